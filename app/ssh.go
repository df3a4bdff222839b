package app

import (
	"context"
	"fmt"

	"bosun/bosh"
)

// SSH: every SSH session bosun opens goes through the director's SSH
// setup, which adds a user on each VM it reaches; so even a read is an
// action for --read-only and --offline.

// OpenSSH sets up SSH on target's VMs for a use of the given kind (Read
// for status and reports, Shell for sessions and commands). It is refused
// under --read-only and --offline, and the refusal is recorded.
func (s *Session) OpenSSH(ctx context.Context, k Kind, action string, target bosh.SSHTarget, opts bosh.SSHOptions) (*bosh.SSHSession, error) {
	if err := s.Check(Plan{Kind: k, Action: action, Deployment: target.Deployment}); err != nil {
		return nil, err
	}
	return s.Client.SetUpSSH(ctx, target, opts)
}

// SSHPlan is the plan of a shell or a command on target's VMs.
func SSHPlan(target bosh.SSHTarget, command string) Plan {
	inst := target.Group
	if target.Group != "" && target.IndexOrID != "" {
		inst += "/" + target.IndexOrID
	}
	p := Plan{Kind: Shell, Action: "ssh", Deployment: target.Deployment}
	eq := "bosh -d " + target.Deployment + " ssh"
	if inst != "" {
		p.Targets = []string{inst}
		eq += " " + inst
	}
	if command != "" {
		p.Action = "ssh command"
		p.Steps = []string{command}
		eq += " -c " + shellQuote(command)
	}
	p.Command = eq
	return p
}

// RunSSH opens SSH on target's VMs through the gate, records the session
// (or the command) in the history, and runs use with the session; the
// director's cleanup runs when use returns. use returns the remote exit
// code (0 for an interactive session that ended normally).
func (s *Session) RunSSH(ctx context.Context, target bosh.SSHTarget, command string, opts bosh.SSHOptions,
	use func(context.Context, *bosh.SSHSession) (int, error)) (int, error) {
	code := 0
	_, err := s.Apply(ctx, SSHPlan(target, command), Yes, func(ctx context.Context, pr *Progress) (Result, error) {
		sess, err := s.Client.SetUpSSH(ctx, target, opts)
		if err != nil {
			return Result{}, err
		}
		var uerr error
		code, uerr = use(ctx, sess)
		cerr := sess.Close()
		res := Result{}
		if code != 0 && uerr == nil {
			res.Detail = fmt.Sprintf("remote exit code %d", code)
		}
		if uerr == nil && cerr != nil {
			res.Detail = "SSH cleanup failed, the user " + sess.User() + " may remain: " + oneLine(cerr.Error())
		}
		return res, uerr
	})
	return code, err
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, []byte(`'\''`)...)
			continue
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}
