package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
)

// ErrProxy is wrapped by the error of a call that went through the proxy
// of the environment (HTTPS_PROXY, HTTP_PROXY) and that the proxy refused,
// or that could not reach the proxy: the API was never reached, so a 401
// or 403 in it is the proxy's, not Encompass's. Test with errors.Is.
var ErrProxy = errors.New("proxy error")

// ProxyError is a call the proxy refused (StatusCode set: its answer to
// CONNECT) or that could not reach it (Err set).
type ProxyError struct {
	Proxy      string // the proxy's URL, any password removed
	Target     string // host:port the call was for
	StatusCode int    // the proxy's answer to CONNECT; 0 when it was not reached
	Status     string // e.g. "407 Proxy Authentication Required"
	Err        error  // the dial error, when the proxy was not reached
}

func (e *ProxyError) Error() string {
	const hint = "; check HTTPS_PROXY, HTTP_PROXY and NO_PROXY (and the proxy's credentials), or unset them to connect directly"
	if e.StatusCode != 0 {
		return fmt.Sprintf("the proxy %s refused the connection to %s: %s (this is the proxy's answer, not Encompass's)%s", e.Proxy, e.Target, e.Status, hint)
	}
	return fmt.Sprintf("cannot reach the proxy %s (for %s): %v%s", e.Proxy, e.Target, e.Err, hint)
}

// Unwrap returns ErrProxy and the dial error, if any.
func (e *ProxyError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrProxy, e.Err}
	}
	return []error{ErrProxy}
}

// proxyConnectResponse is the transport's OnProxyConnectResponse: a proxy's
// refusal becomes a *ProxyError (net/http's own error is only the status
// text, "Unauthorized", which reads as if Encompass had refused).
func proxyConnectResponse(_ context.Context, proxy *url.URL, req *http.Request, res *http.Response) error {
	if res.StatusCode == http.StatusOK {
		return nil
	}
	target := req.Host // a CONNECT request names its target here
	if target == "" {
		target = req.URL.Host
	}
	return &ProxyError{Proxy: proxy.Redacted(), Target: target, StatusCode: res.StatusCode, Status: res.Status}
}

// proxyErrors names the proxy in a failure to reach it (net/http reports
// it as a *net.OpError whose Op is "proxyconnect").
type proxyErrors struct{ base http.RoundTripper }

func (p proxyErrors) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := p.base.RoundTrip(req)
	var op *net.OpError
	var pe *ProxyError
	if err != nil && errors.As(err, &op) && op.Op == "proxyconnect" && !errors.As(err, &pe) {
		proxy := "(from the environment)"
		if tr, ok := p.base.(*http.Transport); ok && tr.Proxy != nil {
			if u, perr := tr.Proxy(req); perr == nil && u != nil {
				proxy = u.Redacted()
			}
		}
		return nil, &ProxyError{Proxy: proxy, Target: req.URL.Host, Err: op.Err}
	}
	return resp, err
}
