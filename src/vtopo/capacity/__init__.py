"""What each database holds and has room for (`vtopo capacity`): facts read from the
servers, and plain advice derived from them."""
