// Package cli is bosun's command line: the cobra commands, their flags,
// tables and JSON output, the log file and the exit codes. The use cases
// themselves live in bosun/app.
package cli

import (
	"fmt"
	"os"

	"bosun/bosh"
)

// version is set at build time with -ldflags "-X bosun/internal/cli.version=...".
var version = "dev"

// Run executes the command line and returns the process exit code
// (exitcodes.go): an error that names no code is one bosun could not get
// past, 2, unless a director task it followed failed, 1.
func Run(args []string) int {
	g := &globals{}
	root := newRootCmd(g)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	if e, ok := err.(exitError); ok {
		if e.msg != "" {
			fmt.Fprintln(os.Stderr, "bosun: "+e.msg)
			logFailure(args, e.msg)
		}
		return e.code
	}
	msg := oneLine(err.Error()) + offlineHint(g, err)
	fmt.Fprintln(os.Stderr, "bosun: "+msg)
	logFailure(args, msg)
	if bosh.KindOf(err) == bosh.KindTaskFailed {
		return exitFound
	}
	return exitFailed
}
