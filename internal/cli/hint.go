package cli

import (
	"strings"

	"github.com/spf13/pflag"
)

// commandLine is "encimport" and words followed by the flags given to this
// command that keep names, each as --name=value quoted for the shell: the
// command a hint tells the user to run next, on the same Encompass,
// profile and state folder as this one.
func (b *base) commandLine(words []string, keep func(name string) bool) string {
	parts := []string{"encimport"}
	for _, w := range words {
		parts = append(parts, shellWord(w))
	}
	if b.fs != nil {
		b.fs.Visit(func(f *pflag.Flag) {
			switch {
			case !keep(f.Name):
			case f.Value.Type() == "bool":
				if f.Value.String() == "true" {
					parts = append(parts, "--"+f.Name)
				}
			default:
				v := f.Value.String()
				if t, ok := f.Value.(interface{ text() string }); ok {
					v = t.text() // optInt, optFloat, optDuration: their String is ""
				}
				parts = append(parts, "--"+f.Name+"="+shellWord(v))
			}
		})
	}
	return strings.Join(parts, " ")
}

// targetFlags are the flags that choose the Encompass, the account's
// profile and the state folder: what a follow-up command must repeat.
var targetFlags = map[string]bool{
	"sandbox": true, "sandbox-state": true, "api-url": true, "instance-id": true, "client-id": true, "username": true,
	"config": true, "profile": true, "state-dir": true,
}

// shellWord quotes s for a POSIX shell when it holds anything but
// letters, digits and -_./:=@%+,
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@%+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
