package apiclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkGetUserParallel measures the client's own overhead per call
// (token cache, request building, header parsing, JSON decoding) against a
// loopback server, with many goroutines sharing one Client.
func BenchmarkGetUserParallel(b *testing.B) {
	srv := newBenchServer(b)
	c, err := New(srv.URL, WithTokenSource(&staticTokens{}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := c.GetUser(ctx, "ann"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func newBenchServer(b *testing.B) *httptest.Server {
	b.Helper()
	body := []byte(`{"id":"ann","firstName":"Ann","lastName":"Lee","email":"ann@example.com","personas":[{"entityId":"3"}],"organization":{"entityId":"2"}}`)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(HeaderConcurrencyLimit, "30")
		w.Header().Set(HeaderConcurrencyRemaining, "29")
		_, _ = w.Write(body)
	}))
	b.Cleanup(s.Close)
	return s
}
