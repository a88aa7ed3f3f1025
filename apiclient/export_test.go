package apiclient

// Counters returns c's counters, for the external tests
// (sandbox_integration_test.go).
func Counters(c *Client) counters { return c.counters() }
