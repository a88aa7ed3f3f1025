package apiclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// throughProxy points c's default transport at proxy.
func throughProxy(t *testing.T, c *Client, proxy string) {
	t.Helper()
	u, err := url.Parse(proxy)
	if err != nil {
		t.Fatal(err)
	}
	pe, ok := c.hc.Transport.(proxyErrors)
	if !ok {
		t.Fatalf("transport %T", c.hc.Transport)
	}
	pe.base.(*http.Transport).Proxy = http.ProxyURL(u)
}

// A proxy refusing CONNECT (401, 407) is reported as the proxy's refusal,
// naming it, not as Encompass's "Unauthorized"; nor is it ErrAuth, nor
// retried. A proxy that cannot be reached is named too.
func TestProxyErrorsSaySo(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusProxyAuthRequired, http.StatusForbidden} {
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodConnect {
				t.Errorf("proxy got %s", r.Method)
			}
			w.WriteHeader(status)
		}))
		c, err := New("https://api.example.test", WithClientCredentials("BE1", "cid", "csecret"))
		if err != nil {
			t.Fatal(err)
		}
		throughProxy(t, c, "http://user:pw@"+proxy.Listener.Addr().String())
		_, err = c.Introspect(context.Background())
		proxy.Close()
		if !errors.Is(err, ErrProxy) || errors.Is(err, ErrAuth) {
			t.Fatalf("%d: %v (ErrProxy %v, ErrAuth %v)", status, err, errors.Is(err, ErrProxy), errors.Is(err, ErrAuth))
		}
		msg := err.Error()
		if !strings.Contains(msg, "the proxy http://user:xxxxx@") || !strings.Contains(msg, "refused the connection to api.example.test:443") ||
			!strings.Contains(msg, http.StatusText(status)) || strings.Contains(msg, ":pw@") || !strings.Contains(msg, "HTTPS_PROXY") {
			t.Errorf("%d: %s", status, msg)
		}
		if retry, _ := ShouldRetry(context.Background(), nil, err); retry {
			t.Errorf("%d: a proxy's refusal is retried", status)
		}
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := l.Addr().String()
	l.Close()
	c, err := New("https://api.example.test", WithClientCredentials("BE1", "cid", "csecret"))
	if err != nil {
		t.Fatal(err)
	}
	throughProxy(t, c, "http://"+gone)
	_, err = c.Introspect(context.Background())
	if !errors.Is(err, ErrProxy) || !strings.Contains(err.Error(), "cannot reach the proxy http://"+gone) {
		t.Errorf("unreachable proxy: %v", err)
	}
}
