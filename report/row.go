package report

// Header is the report's column order (docs/product.md "The per-row report").
var Header = []string{"sheet", "row", "id", "action", "status", "http_status", "error_code",
	"message", "correlation_id", "attempts", "duration_ms"}

// Row is one line of the per-row report.
type Row struct {
	Sheet         string `json:"sheet"`
	Row           int    `json:"row"`
	ID            string `json:"id"`
	Action        string `json:"action"`
	Status        string `json:"status"`
	HTTPStatus    int    `json:"http_status,omitempty"`
	ErrorCode     string `json:"error_code,omitempty"`
	Message       string `json:"message,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
	Attempts      int    `json:"attempts"`
	DurationMS    int64  `json:"duration_ms"`
}
