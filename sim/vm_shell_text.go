package sim

import (
	"bytes"
	"io"
	"strconv"
	"strings"
)

// cmdHeadTail is head and tail: the first or last N lines (-n N, -N;
// default 10) of each file, or of stdin.
func cmdHeadTail(sh *shell, c *invocation) int {
	n, files := 10, []string{}
	for i := 0; i < len(c.args); i++ {
		a := c.args[i]
		switch {
		case a == "-n" && i+1 < len(c.args):
			i++
			a = "-" + c.args[i]
			fallthrough
		case strings.HasPrefix(a, "-n") || strings.HasPrefix(a, "-") && len(a) > 1:
			v, err := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(a, "-n"), "-"))
			if err != nil || v < 0 {
				return c.fail("%s: invalid number of lines: %q", c.name, a)
			}
			n = v
		default:
			files = append(files, a)
		}
	}
	cut := func(b []byte) []byte {
		lines := bytes.SplitAfter(b, []byte("\n"))
		if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
			lines = lines[:len(lines)-1]
		}
		if n < len(lines) {
			if c.name == "head" {
				lines = lines[:n]
			} else {
				lines = lines[len(lines)-n:]
			}
		}
		return bytes.Join(lines, nil)
	}
	if len(files) == 0 {
		b, _ := io.ReadAll(c.stdin)
		c.stdout.Write(cut(b))
		return 0
	}
	status := 0
	for i, p := range files {
		b, err := sh.h.fs.read(p)
		if err != nil {
			c.fail("%s: cannot open '%s' for reading: %v", c.name, p, err)
			status = 1
			continue
		}
		if len(files) > 1 {
			if i > 0 {
				io.WriteString(c.stdout, "\n")
			}
			io.WriteString(c.stdout, "==> "+p+" <==\n")
		}
		c.stdout.Write(cut(b))
	}
	return status
}
