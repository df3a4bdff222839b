package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"bosun/app"
)

// confirmPlan shows a plan (each step, then the equivalent command) and
// asks; the default is No. Without a terminal to ask on it refuses: a
// script confirms with --yes.
func confirmPlan(in io.Reader, w io.Writer, p app.Plan, question string) (bool, error) {
	if f, ok := in.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return false, errors.New(p.Action + " changes the deployment: confirm with --yes (no terminal to ask on)")
	}
	fmt.Fprint(w, describePlan(p))
	fmt.Fprintf(w, "%s [y/N] ", question)
	line, _ := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// describePlan is a plan as text: what, where, each step, the equivalent command.
func describePlan(p app.Plan) string {
	var b strings.Builder
	where := p.Deployment
	if p.Cluster != "" {
		where = p.Cluster + " (" + p.Deployment + ")"
	}
	fmt.Fprintf(&b, "%s on %s, %d step(s):\n", p.Action, where, len(p.Steps))
	for _, s := range p.Steps {
		fmt.Fprintf(&b, "  %s\n", s)
	}
	if p.Command != "" {
		fmt.Fprintf(&b, "Equivalent: %s\n", p.Command)
	}
	return b.String()
}
