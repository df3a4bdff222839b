// Command bosun is a terminal UI and scriptable command line for operators
// of BOSH directors and the PKS / TKGI control plane.
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line and returns the process exit code.
func run(args []string) int {
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
	msg := oneLine(err.Error())
	fmt.Fprintln(os.Stderr, "bosun: "+msg)
	logFailure(args, msg)
	return 1
}
