ALTER ROLE "reef_reader" WITH LOGIN PASSWORD '(sensitive)';
