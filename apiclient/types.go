package apiclient

// This file holds the transport's wire names (endpoint paths, headers, page
// sizes) and wire bodies (tokens, errors), so that a wrong guess about the
// vendor's API (see docs/encompass-api.md) is a one-line fix. The user
// model's names and types are in package encompass.

// Paths of the endpoints the importer calls.
const (
	PathToken           = "/oauth2/v1/token"
	PathTokenIntrospect = "/oauth2/v1/token/introspection"
	PathTokenRevoke     = "/oauth2/v1/token/revocation"
	PathUsers           = "/encompass/v3/users"
	PathOrganizations   = "/encompass/v1/organizations"
	PathPersonas        = "/encompass/v1/settings/personas"
	PathLoanFolders     = "/encompass/v3/loanFolders"
	PathLoanFoldersV1   = "/encompass/v1/loanFolders"
)

// TokenScope is the OAuth2 scope sent with both grants.
const TokenScope = "lp"

// Response headers that carry limits and tracing.
const (
	HeaderCorrelationID         = "X-Correlation-ID"
	HeaderConcurrencyLimit      = "X-Concurrency-Limit-Limit"
	HeaderConcurrencyRemaining  = "X-Concurrency-Limit-Remaining"
	HeaderRateLimit             = "X-Rate-Limit-Limit"
	HeaderRateRemaining         = "X-Rate-Limit-Remaining"
	HeaderRateReset             = "X-Rate-Limit-Reset"
	HeaderRetryAfter            = "Retry-After"
	HeaderTotalCount            = "X-Total-Count"
	MoveAction                  = "move"
	GatewayConcurrencyErrorCode = "100002"
)

// Page sizes. DefaultListPageSize keeps a page of users (~8 KB each with 57
// licenses) near 2 MB, well under the gateway's 6 MB response cap.
const (
	DefaultListPageSize = 250
	OrgListPageSize     = 1000 // the flat organization list's documented default
)

// ResponseTooLargeMessage starts the gateway's 400 message for a response
// over its size cap: {"message":"Response exceeds maximum size (6 MB)"}.
const ResponseTooLargeMessage = "Response exceeds maximum size"

// MoveItem is one element of a bulk-move body: only the id may be sent.
type MoveItem struct {
	ID string `json:"id"`
}

// TokenInfo is the token introspection answer. Exp (Unix seconds) decodes
// from a number or a string.
type TokenInfo struct {
	Active       bool   `json:"active"`
	Exp          int64  `json:"exp,omitempty"`
	InstanceID   string `json:"encompass_instance_id,omitempty"`
	UserName     string `json:"user_name,omitempty"`
	IdentityType string `json:"identity_type,omitempty"`
	ClientID     string `json:"encompass_client_id,omitempty"`
}

// TokenResponse is the OAuth2 token endpoint's answer.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in,omitempty"`
}

// ErrorBody is the Encompass application error body. The nested list
// decodes from "errors" or "error" (the vendor's bindings).
type ErrorBody struct {
	Summary   string      `json:"summary,omitempty"`
	Details   string      `json:"details,omitempty"`
	ErrorCode string      `json:"errorCode,omitempty"`
	Errors    []ErrorBody `json:"errors,omitempty"`
}

// GatewayErrorBody is the API gateway's body for 429 (concurrency or quota).
type GatewayErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
