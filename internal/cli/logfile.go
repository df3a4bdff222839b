package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// logFailure appends a failed command and its error to bosun's log file
// (see `bosun info`), so an operator can look back at what went wrong.
// Only the subcommand words are logged, never flag values, which may hold
// a client secret.
func logFailure(args []string, msg string) {
	path := logPath()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	var words []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			break
		}
		words = append(words, a)
	}
	fmt.Fprintf(f, "%s bosun %s: %s\n", time.Now().UTC().Format(time.RFC3339), strings.Join(words, " "), msg)
}
