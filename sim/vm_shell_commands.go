package sim

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// invocation is one command of a command line as a handler sees it: the
// name it was called by, its arguments and its streams.
type invocation struct {
	name   string
	args   []string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	exit   bool // set by the exit builtin: the shell ends
}

// fail writes a message line to stderr and returns status 1.
func (c *invocation) fail(format string, a ...any) int {
	fmt.Fprintf(c.stderr, format+"\n", a...)
	return 1
}

// denied is the refusal of a write to p.
func (c *invocation) denied(p string) int {
	return c.fail("%s: %s: Permission denied", c.name, p)
}

// shellCommand runs one command and returns its exit status.
type shellCommand func(sh *shell, c *invocation) int

// shellCommands are the commands of a VM's shell by the names they are
// called by (sim/vm_shell_files.go, sim/vm_master.go). Commands not in
// the table go to pksCommand (sim/pks_etcd.go).
var shellCommands map[string]shellCommand

func init() {
	shellCommands = map[string]shellCommand{
		"sudo":                     cmdSudo,
		"exit":                     cmdExit,
		"true":                     cmdTrue,
		":":                        cmdTrue,
		"false":                    cmdFalse,
		"echo":                     cmdEcho,
		"id":                       cmdID,
		"whoami":                   cmdWhoami,
		"hostname":                 cmdHostname,
		"cat":                      cmdCat,
		"head":                     cmdHeadTail, // sim/vm_shell_text.go
		"tail":                     cmdHeadTail,
		"sha256sum":                cmdSHA256Sum,
		"cp":                       cmdCopyMove,
		"mv":                       cmdCopyMove,
		"rm":                       cmdRemove,
		"mkdir":                    cmdMkdirRmdir,
		"rmdir":                    cmdMkdirRmdir,
		"ls":                       cmdList,
		"test":                     cmdTest,
		"[":                        cmdTest,
		"grep":                     cmdGrep,
		"monit":                    cmdMonit,
		"/var/vcap/bosh/bin/monit": cmdMonit,
		apiserverHealthScript:      cmdAPIServerHealth,
	}
	for _, name := range []string{"sh", "bash", "/bin/sh", "/bin/bash"} {
		shellCommands[name] = cmdShell
	}
}

// command runs one command with its arguments; exit is set when it was
// the exit builtin.
func (sh *shell) command(args []string, stdin io.Reader, stdout, stderr io.Writer) (status int, exit bool) {
	if run := shellCommands[args[0]]; run != nil {
		c := &invocation{name: args[0], args: args[1:], stdin: stdin, stdout: stdout, stderr: stderr}
		status := run(sh, c)
		return status, c.exit
	}
	if status, ok := sh.pksCommand(args, stdin, stdout, stderr); ok { // sim/pks_etcd.go
		return status, false
	}
	fmt.Fprintf(stderr, "sh: 1: %s: not found\n", args[0])
	return 127, false
}

// cmdSudo runs the rest of the line as root, skipping sudo's own flags.
func cmdSudo(sh *shell, c *invocation) int {
	rest := c.args
	for len(rest) > 0 && strings.HasPrefix(rest[0], "-") {
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return c.fail("usage: sudo command")
	}
	sub := &shell{h: sh.h, user: sh.user, root: true}
	status, _ := sub.command(rest, c.stdin, c.stdout, c.stderr)
	return status
}

// cmdShell is sh -c LINE (and bash -c).
func cmdShell(sh *shell, c *invocation) int {
	if len(c.args) >= 2 && c.args[0] == "-c" {
		status, _ := sh.run(c.args[1], c.stdin, c.stdout, c.stderr)
		return status
	}
	return c.fail("%s: only -c is supported by this VM", c.name)
}

func cmdExit(_ *shell, c *invocation) int {
	n := 0
	if len(c.args) > 0 {
		n, _ = strconv.Atoi(c.args[0])
	}
	c.exit = true
	return n
}

func cmdTrue(*shell, *invocation) int  { return 0 }
func cmdFalse(*shell, *invocation) int { return 1 }

func cmdEcho(_ *shell, c *invocation) int {
	fmt.Fprintln(c.stdout, strings.Join(c.args, " "))
	return 0
}

func cmdID(sh *shell, c *invocation) int {
	if sh.root {
		fmt.Fprintln(c.stdout, "uid=0(root) gid=0(root) groups=0(root)")
	} else {
		u := sh.user
		fmt.Fprintf(c.stdout, "uid=1001(%s) gid=1001(%s) groups=1001(%s),1000(vcap),1002(admin),1003(bosh_sudoers),1004(bosh_sshers)\n", u, u, u)
	}
	return 0
}

func cmdWhoami(sh *shell, c *invocation) int {
	if sh.root {
		fmt.Fprintln(c.stdout, "root")
	} else {
		fmt.Fprintln(c.stdout, sh.user)
	}
	return 0
}

func cmdHostname(sh *shell, c *invocation) int {
	fmt.Fprintln(c.stdout, agentIDOf(sh.h.f.instanceNow(sh.h.inst)))
	return 0
}

func cmdMonit(sh *shell, c *invocation) int { return sh.monit(c.args, c.stdout, c.stderr) }

func cmdAPIServerHealth(sh *shell, c *invocation) int { return sh.health(c.stdout, c.stderr) }
