package bosh

import "time"

// SetRetryDelay shortens the pause between retries, for tests outside the
// package.
func SetRetryDelay(c *Client, d time.Duration) { c.retryDelay = d }
