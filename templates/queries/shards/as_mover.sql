-- A rebalance's own connection to a shard: its copies and deletes pass the write guard
-- (kinds/shard_guard.py), and a guard change waits at most this long for writers to finish.
SET vtopo.rebalancing = 'on';
SET lock_timeout = '10s'
