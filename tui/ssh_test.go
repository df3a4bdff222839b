package tui

import (
	"io"
	"strings"
	"testing"
)

// fakeShells records the shells the TUI asks for.
type fakeShells struct{ asked []string }

func (f *fakeShells) Shell(dep, instance string) ShellCommand {
	f.asked = append(f.asked, dep+" "+instance)
	return nopExec{}
}

type nopExec struct{}

func (nopExec) Run() error          { return nil }
func (nopExec) SetStdin(io.Reader)  {}
func (nopExec) SetStdout(io.Writer) {}
func (nopExec) SetStderr(io.Writer) {}

type exitErr int

func (e exitErr) Error() string { return "exit" }
func (e exitErr) ExitCode() int { return int(e) }

func shellHarness(t *testing.T, readOnly bool) (*harness, *fakeShells) {
	deps, insts := fixture(1, 4)
	sh := &fakeShells{}
	h := newHarness(t, Options{Director: newFakeDirector(deps, insts), Cache: newFakeCache(nil, nil, t0), Shell: sh,
		ReadOnly: readOnly, StartScreen: StartInstances, StartDeployment: "cf-00"}, 120, 30)
	h.start()
	return h, sh
}

func TestShellKeyOpensShellOnInstanceAndReturns(t *testing.T) {
	h, sh := shellHarness(t, false)
	before := h.top()
	h.keys("x")
	if len(sh.asked) != 1 || !strings.HasPrefix(sh.asked[0], "cf-00 api/") {
		t.Fatalf("shells asked: %v", sh.asked)
	}
	h.send(shellDoneMsg{instance: "api/abc", err: exitErr(3)})
	if h.top() != before {
		t.Fatalf("not back on the same screen: %T", h.top())
	}
	if v := h.view(); !strings.Contains(v, "shell on api/abc ended with exit 3") {
		t.Fatalf("no exit status shown:\n%s", v)
	}
	h.send(shellDoneMsg{instance: "api/abc"})
	if v := h.view(); !strings.Contains(v, "shell on api/abc closed") {
		t.Fatalf("no close note:\n%s", v)
	}
}

func TestShellKeyHiddenReadOnly(t *testing.T) {
	h, sh := shellHarness(t, true)
	h.keys("x")
	if len(sh.asked) != 0 {
		t.Fatalf("read-only opened a shell: %v", sh.asked)
	}
	h.keys("?")
	lines := strings.Split(h.view(), "\n")
	body := strings.Join(lines[2:len(lines)-2], "\n") // the footer says why x did nothing
	if !strings.Contains(body, "fetch logs") || strings.Contains(body, "shell (ssh)") {
		t.Fatalf("read-only help lists the shell key:\n%s", body)
	}
}

func TestShellKeyInHelp(t *testing.T) {
	h, _ := shellHarness(t, false)
	h.keys("?")
	if !strings.Contains(h.view(), "shell (ssh)") {
		t.Fatalf("help lacks the shell key:\n%s", h.view())
	}
}
