// Command bosun is a terminal UI and scriptable command line for operators
// of BOSH directors and the PKS / TKGI control plane.
package main

import (
	"os"

	"bosun/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:]))
}
