package sandbox

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/encimport/encimport/apiclient"
)

// BenchmarkCreateUser measures one create over loopback HTTP (no latency).
func BenchmarkCreateUser(b *testing.B) {
	rs, err := Start(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer rs.Close()
	tok := login(b, rs.URL, "admin")
	i := 0
	for b.Loop() {
		i++
		resp, body := call(b, rs.URL, tok, "POST", createPath, newUser(map[string]any{"id": fmt.Sprintf("b%d", i)}))
		if resp.StatusCode != 201 {
			b.Fatalf("%d %s", resp.StatusCode, body)
		}
	}
}

// BenchmarkListUsers measures a full list of the default world in parallel calls.
func BenchmarkListUsers(b *testing.B) {
	rs, err := Start(Options{ConcurrencyLimit: 1000})
	if err != nil {
		b.Fatal(err)
	}
	defer rs.Close()
	tok := login(b, rs.URL, "admin")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", rs.URL+apiclient.PathUsers+"?orgId=0&isRecursive=true", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := testClient.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("list: %d", resp.StatusCode)
				return
			}
		}
	})
}
