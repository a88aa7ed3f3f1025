package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestCommandLine runs the built binary as a person would (issue 17 item
// 2): help on stdout with --flag spelling, help CMD, --version, completion
// scripts, errors said once, flags refused where they do nothing, validate
// saying valid, an action "new" invalid, and apply asking on a real
// terminal (a pseudo-terminal) unless --yes.
func TestCommandLine(t *testing.T) {
	bin, _ := binaries(t)
	dir := t.TempDir()
	exe := func(stdin string, args ...string) cliResult {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env, cmd.Dir = envList(nil, dir), dir
		cmd.Stdin = strings.NewReader(stdin)
		return runCmd(t, cmd)
	}

	t.Run("apply -h | head shows the usage", func(t *testing.T) {
		r := exe("", "apply", "-h")
		head := strings.SplitN(r.stdout, "\n", 11)
		if r.code != 0 || r.stderr != "" || len(head) < 10 || head[0] != "Usage:" || !strings.HasPrefix(head[1], "  encimport apply FILE") {
			t.Fatalf("%s", r)
		}
		for _, want := range []string{"Examples:", "  -y, --yes", "      --report FILE", "      --dry-run"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("apply -h lacks %q", want)
			}
		}
		if h := exe("", "help", "apply"); h.code != 0 || h.stdout != r.stdout {
			t.Errorf("help apply differs from apply -h: %s", h)
		}
		if h := exe("", "--help"); h.code != 0 || !strings.Contains(h.stdout, "Commands:\n  validate") {
			t.Errorf("--help: %s", h)
		}
	})

	t.Run("--version and completion", func(t *testing.T) {
		r := exe("", "--version")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "encimport ") || !strings.Contains(r.stdout, "commit") {
			t.Errorf("--version: %s", r)
		}
		for _, sh := range []string{"bash", "zsh", "fish"} {
			r := exe("", "completion", sh)
			if r.code != 0 || len(r.stdout) < 1000 || !strings.Contains(r.stdout, "__complete") {
				t.Errorf("completion %s: %s", sh, r)
			}
		}
		if r := exe("", "__complete", ""); !strings.Contains(r.stdout, "validate\t") || !strings.Contains(r.stdout, "apply\t") {
			t.Errorf("commands completed: %s", r)
		}
		if bash, err := exec.LookPath("bash"); err == nil {
			// The script loads in bash and completes the commands.
			script := exe("", "completion", "bash").stdout
			sh := filepath.Join(dir, "comp.bash")
			if err := os.WriteFile(sh, []byte(script), 0o600); err != nil {
				t.Fatal(err)
			}
			// bash-completion's helper, as installed on most systems.
			stub := `_get_comp_words_by_ref() { cur="${COMP_WORDS[COMP_CWORD]}"; prev="${COMP_WORDS[COMP_CWORD-1]}"; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }; `
			cmd := exec.Command(bash, "-c", stub+`source "$1"; PATH="$(dirname "$2"):$PATH"; COMP_WORDS=(encimport va); COMP_CWORD=1; COMP_LINE="encimport va"; COMP_POINT=${#COMP_LINE}; __start_encimport encimport; echo "${COMPREPLY[@]}"`, "-", sh, bin)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "validate") {
				t.Errorf("bash completion of 'encimport va': %v\n%s", err, out)
			}
		}
	})

	t.Run("errors once, refused flags", func(t *testing.T) {
		in := writeCSV(t, dir, "people.csv", [][]string{{"action", "id", "firstName", "lastName", "email"}, {"new", "new.one", "A", "B", "a@example.com"}, {"update", "lo.denver", "", "", "lo@example.com"}})
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"validate", in, "--bogus"}, "unknown flag: --bogus"},
			{[]string{"validate", in, "--sandbox"}, "validate takes no --sandbox"},
			{[]string{"validate", "-report", "r.csv", in}, "long flags take two dashes: --report"},
			{[]string{"apply", "--plan", "p.json", "--action", "update"}, "--action would do nothing"},
		} {
			r := exe("", tc.args...)
			if r.code != 2 || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "encimport: ") || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Errorf("%v: want exit 2 and one line with %q; %s", tc.args, tc.want, r)
			}
		}
		rep := filepath.Join(dir, "v.csv")
		r := exe("", "validate", in, "--report", rep)
		if r.code != 3 || !strings.Contains(r.stdout, "1 valid, 1 invalid") || !strings.Contains(r.stdout, `unknown action "new"; use one of create, update`) {
			t.Fatalf("validate: %s", r)
		}
		rows := readReport(t, rep)
		if len(rows) != 2 || rows[0].Action != "new" || rows[0].Status != "invalid" || rows[1].Status != "valid" {
			t.Errorf("validate report: %+v", rows)
		}
	})

	t.Run("apply asks on a terminal", func(t *testing.T) {
		in := writeCSV(t, dir, "hires.csv", [][]string{
			{"action", "id", "firstName", "lastName", "email", "password", "workingFolder", "personas", "orgId"},
			{"create", "tty.one", "Tia", "One", "tia@example.com", "Secr3t!pass", "My Pipeline", "Loan Officer", "Denver Branch"},
		})
		world := filepath.Join(dir, "tty-world.json")
		args := func(more ...string) []string {
			return append([]string{"apply", in, "--sandbox", "--sandbox-state", world, "--state-dir", filepath.Join(dir, "tty-state"),
				"--report", filepath.Join(dir, "tty-report.csv")}, more...)
		}
		code, text := onTerminal(t, bin, dir, "n\n", args()...)
		if code != 1 || !strings.Contains(text, "Apply these changes to") || !strings.Contains(text, "nothing was written") {
			t.Fatalf("answered n: exit %d\n%s", code, text)
		}
		code, text = onTerminal(t, bin, dir, "yes\n", args()...)
		if code != 0 || !strings.Contains(text, "Apply these changes to") {
			t.Fatalf("answered yes: exit %d\n%s", code, text)
		}
		if rows := readReport(t, filepath.Join(dir, "tty-report.csv")); len(rows) != 1 || rows[0].Status != "created" {
			t.Fatalf("report after yes: %+v", rows)
		}
		in2 := writeCSV(t, dir, "title.csv", [][]string{{"action", "id", "title"}, {"update", "tty.one", "Senior"}})
		code, text = onTerminal(t, bin, dir, "", "apply", in2, "--yes", "--sandbox", "--sandbox-state", world, "--state-dir", filepath.Join(dir, "tty-state"),
			"--report", filepath.Join(dir, "tty-report2.csv"))
		if code != 0 || strings.Contains(text, "Apply these changes") {
			t.Fatalf("--yes on a terminal: exit %d\n%s", code, text)
		}
		// Off a terminal (a pipe): never asks.
		in3 := writeCSV(t, dir, "title3.csv", [][]string{{"action", "id", "title"}, {"update", "tty.one", "Principal"}})
		r := exe("", "apply", in3, "--sandbox", "--sandbox-state", world, "--state-dir", filepath.Join(dir, "tty-state"), "--report", filepath.Join(dir, "tty-report3.csv"))
		if r.code != 0 || strings.Contains(r.stderr, "Apply these changes") {
			t.Fatalf("off a terminal: %s", r)
		}
	})
}

// onTerminal runs bin with its standard input and standard error on a
// pseudo-terminal, typing answer once the question is shown; it returns
// the exit code and what the terminal showed.
func onTerminal(t *testing.T, bin, dir, answer string, args ...string) (int, string) {
	t.Helper()
	master, slave, err := openPTY()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer master.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env, cmd.Dir = envList(nil, dir), dir
	var out bytes.Buffer
	cmd.Stdin, cmd.Stderr, cmd.Stdout = slave, slave, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var shown strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		r := bufio.NewReader(master)
		buf := make([]byte, 4096)
		typed := false
		for {
			n, err := r.Read(buf)
			shown.Write(buf[:n])
			if !typed && strings.Contains(shown.String(), "goes on: ") {
				typed = true
				if answer == "" {
					_, _ = master.Write([]byte{4}) // Ctrl-D
				} else {
					_, _ = master.Write([]byte(answer))
				}
			}
			if err != nil {
				return
			}
		}
	}()
	err = cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	master.Close()
	<-done
	return cmd.ProcessState.ExitCode(), shown.String() + out.String()
}

// openPTY opens a pseudo-terminal pair (Linux: /dev/ptmx).
func openPTY() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, slave, nil
}
