//go:build ignore

// gen rewrites encimport-template.xlsx and encimport-template.csv:
// go run gen.go (from templates/).
package main

import (
	"bytes"
	"log"
	"os"

	"github.com/encimport/encimport/templates"
)

func main() {
	var x, c bytes.Buffer
	if err := templates.WriteXLSX(&x); err != nil {
		log.Fatal(err)
	}
	if err := templates.WriteCSV(&c); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("encimport-template.xlsx", x.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("encimport-template.csv", c.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
