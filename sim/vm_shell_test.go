package sim

import (
	"bytes"
	"strings"
	"testing"
)

func testShell(root bool) *shell {
	in := &instance{Group: &instanceGroup{Name: "master"}, ID: "m0", VM: &vm{AgentID: "agent-0"}}
	v := &sshVM{inst: in, fs: newVMFS()}
	v.fs.mkdir("/tmp", true)
	v.fs.put("/etc/motd", []byte("hello\n"), 0o644)
	v.fs.mkdir("/var/vcap/data", true)
	return &shell{h: v, user: "bosh_abc", root: root}
}

func runLine(sh *shell, line, stdin string) (string, string, int) {
	var out, errOut bytes.Buffer
	st, _ := sh.run(line, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), st
}

func TestShellSequencesPipesAndRedirections(t *testing.T) {
	sh := testShell(false)
	for _, c := range []struct {
		line, stdin, out string
		status           int
	}{
		{"echo a && echo b", "", "a\nb\n", 0},
		{"false && echo no; echo yes", "", "yes\n", 0},
		{"false || echo rescued", "", "rescued\n", 0},
		{"cat /etc/motd | grep -c hell", "", "1\n", 0},
		{`echo "two  spaces" 'and $literal'`, "", "two  spaces and $literal\n", 0},
		{"cat > /tmp/f && cat /tmp/f", "data", "data", 0},
		{"cat /nope", "", "", 1},
		{"nosuchcmd", "", "", 127},
		{"sh -c 'exit 4'", "", "", 4},
	} {
		out, errOut, st := runLine(sh, c.line, c.stdin)
		if out != c.out || st != c.status {
			t.Errorf("%q: out %q status %d (stderr %q), want %q %d", c.line, out, st, errOut, c.out, c.status)
		}
	}
}

func TestShellRootOnlyWritesAndMkdirLock(t *testing.T) {
	sh := testShell(false)
	if _, errOut, st := runLine(sh, "cp /etc/motd /etc/motd2", ""); st == 0 || !strings.Contains(errOut, "Permission denied") {
		t.Fatalf("user wrote /etc: %d %q", st, errOut)
	}
	if _, _, st := runLine(sh, "sudo mkdir /var/vcap/data/lock", ""); st != 0 {
		t.Fatal("first mkdir failed")
	}
	if _, errOut, st := runLine(sh, "sudo mkdir /var/vcap/data/lock", ""); st != 1 || !strings.Contains(errOut, "File exists") {
		t.Fatalf("second mkdir: %d %q", st, errOut)
	}
}

func TestShellChecksumGuardsRename(t *testing.T) {
	sh := testShell(true)
	good := "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03" // sha256 of "hello\n"
	line := func(sum string) string {
		return "sh -c 'cat > /tmp/x.new && echo \"" + sum + "  /tmp/x.new\" | sha256sum -c --status && mv -f /tmp/x.new /etc/motd'"
	}
	if _, _, st := runLine(sh, line(strings.Repeat("0", 64)), "changed\n"); st == 0 {
		t.Fatal("a bad checksum let the rename happen")
	}
	if b, _ := sh.h.fs.read("/etc/motd"); string(b) != "hello\n" {
		t.Fatalf("target changed: %q", b)
	}
	if _, errOut, st := runLine(sh, line(good), "hello\n"); st != 0 {
		t.Fatalf("good checksum: %d %s", st, errOut)
	}
	if _, ok := sh.h.fs.stat("/tmp/x.new"); ok {
		t.Fatal("temporary file left after the rename")
	}
}

func TestTokenizeErrors(t *testing.T) {
	for _, bad := range []string{"echo 'open", `echo "open`} {
		if _, err := tokenize(bad); err == nil {
			t.Errorf("%q tokenized", bad)
		}
	}
}

func TestShellCommandTable(t *testing.T) {
	sh := testShell(false)
	for _, c := range []struct {
		line, out string
		status    int
	}{
		{"hostname", "agent-0\n", 0},
		{"whoami", "bosh_abc\n", 0},
		{"sudo -n whoami", "root\n", 0},
		{"/bin/bash -c 'echo in bash'", "in bash\n", 0},
		{"[ -d /tmp ] && echo dir", "dir\n", 0},
		{"test -f /tmp", "", 1},
		{"[ -d /tmp", "", 1},
		{": && true && ! false", "", 127},
		{"ls /var/vcap", "data\n", 0},
		{"mkdir /tmp/a && rmdir /tmp/a && echo ok", "ok\n", 0},
		{"echo 'a\nb\nc' > /tmp/abc; head -n 2 /tmp/abc", "a\nb\n", 0},
		{"cat /tmp/abc | tail -1", "c\n", 0},
		{"head -2 /tmp/none", "", 1},
	} {
		out, errOut, st := runLine(sh, c.line, "")
		if out != c.out || st != c.status {
			t.Errorf("%q: out %q status %d (stderr %q), want %q %d", c.line, out, st, errOut, c.out, c.status)
		}
	}
	var out bytes.Buffer
	st, exit := sh.run("echo before; exit 3; echo after", strings.NewReader(""), &out, &out)
	if st != 3 || !exit || out.String() != "before\n" {
		t.Fatalf("exit: status %d exit %v out %q", st, exit, out.String())
	}
}
