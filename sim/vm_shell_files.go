package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The file commands of a VM's shell: cat, sha256sum, cp, mv, rm, mkdir,
// rmdir, ls, test and grep.

func cmdCat(sh *shell, c *invocation) int {
	if len(c.args) == 0 {
		io.Copy(c.stdout, c.stdin)
		return 0
	}
	status := 0
	for _, p := range c.args {
		b, err := sh.h.fs.read(p)
		if err != nil {
			fmt.Fprintf(c.stderr, "cat: %s: %v\n", p, err)
			status = 1
			continue
		}
		c.stdout.Write(b)
	}
	return status
}

func cmdSHA256Sum(sh *shell, c *invocation) int {
	flags, files := splitFlags(c.args)
	if strings.Contains(flags, "c") || strings.Contains(flags, "-check") {
		return sh.sha256Check(files, c.stdin, c.stdout, c.stderr, strings.Contains(flags, "-status"))
	}
	status := 0
	for _, p := range files {
		b, err := sh.h.fs.read(p)
		if err != nil {
			fmt.Fprintf(c.stderr, "sha256sum: %s: %v\n", p, err)
			status = 1
			continue
		}
		sum := sha256.Sum256(b)
		fmt.Fprintf(c.stdout, "%s  %s\n", hex.EncodeToString(sum[:]), p)
	}
	return status
}

// cmdCopyMove is cp [-p] SOURCE DEST and mv [-f] SOURCE DEST.
func cmdCopyMove(sh *shell, c *invocation) int {
	flags, paths := splitFlags(c.args)
	if len(paths) != 2 {
		return c.fail("%s: want SOURCE DEST", c.name)
	}
	if !sh.mayWrite(paths[1]) {
		return c.denied(paths[1])
	}
	var err error
	if c.name == "cp" {
		err = sh.h.fs.copyFile(paths[0], paths[1], strings.Contains(flags, "p"))
	} else {
		if !sh.mayWrite(paths[0]) {
			return c.denied(paths[0])
		}
		err = sh.h.fs.rename(paths[0], paths[1])
	}
	if err != nil {
		return c.fail("%s: cannot stat '%s': %v", c.name, paths[0], err)
	}
	return 0
}

func cmdRemove(sh *shell, c *invocation) int {
	flags, paths := splitFlags(c.args)
	status := 0
	for _, p := range paths {
		if !sh.mayWrite(p) {
			c.denied(p)
			status = 1
			continue
		}
		if err := sh.h.fs.remove(p, strings.ContainsAny(flags, "rR")); err != nil && !(strings.Contains(flags, "f") && errors.Is(err, errNoEnt)) {
			fmt.Fprintf(c.stderr, "rm: cannot remove '%s': %v\n", p, err)
			status = 1
		}
	}
	return status
}

// cmdMkdirRmdir is mkdir [-p] DIR... and rmdir DIR...; mkdir of an
// existing directory fails, which scripts use as a lock.
func cmdMkdirRmdir(sh *shell, c *invocation) int {
	flags, paths := splitFlags(c.args)
	for _, p := range paths {
		if !sh.mayWrite(p + "/") {
			return c.denied(p)
		}
		var err error
		verb := "create"
		if c.name == "mkdir" {
			err = sh.h.fs.mkdir(p, strings.Contains(flags, "p"))
		} else {
			verb = "remove"
			err = sh.h.fs.rmdir(p)
		}
		if err != nil {
			return c.fail("%s: cannot %s directory '%s': %v", c.name, verb, p, err)
		}
	}
	return 0
}

func cmdList(sh *shell, c *invocation) int {
	_, paths := splitFlags(c.args)
	if len(paths) == 0 {
		paths = []string{"/home/" + sh.user}
	}
	for _, p := range paths {
		names, err := sh.h.fs.list(p)
		if err != nil {
			return c.fail("ls: cannot access '%s': %v", p, err)
		}
		for _, n := range names {
			fmt.Fprintln(c.stdout, n)
		}
	}
	return 0
}

// cmdTest is test -e|-f|-d PATH and [ -e|-f|-d PATH ].
func cmdTest(sh *shell, c *invocation) int {
	rest := c.args
	if c.name == "[" {
		if len(rest) == 0 || rest[len(rest)-1] != "]" {
			return c.fail("[: missing ]")
		}
		rest = rest[:len(rest)-1]
	}
	if len(rest) != 2 {
		return 2
	}
	f, ok := sh.h.fs.stat(rest[1])
	switch rest[0] {
	case "-e":
	case "-f":
		ok = ok && !f.mode.IsDir()
	case "-d":
		ok = ok && f.mode.IsDir()
	default:
		return 2
	}
	if ok {
		return 0
	}
	return 1
}

func cmdGrep(sh *shell, c *invocation) int { return sh.grep(c.args, c.stdin, c.stdout, c.stderr) }

// grep matches fixed strings: grep [-c] [-v] [-i] PATTERN [FILE...].
func (sh *shell) grep(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags, rest := splitFlags(args)
	if len(rest) == 0 {
		fmt.Fprintln(stderr, "Usage: grep [-civ] PATTERN [FILE]...")
		return 2
	}
	pat := rest[0]
	fold := strings.Contains(flags, "i")
	if fold {
		pat = strings.ToLower(pat)
	}
	var data []byte
	if len(rest) == 1 {
		data, _ = io.ReadAll(stdin)
	}
	for _, p := range rest[1:] {
		b, err := sh.h.fs.read(p)
		if err != nil {
			fmt.Fprintf(stderr, "grep: %s: %v\n", p, err)
			return 2
		}
		data = append(data, b...)
	}
	n := 0
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if line == "" {
			continue
		}
		l := line
		if fold {
			l = strings.ToLower(l)
		}
		if strings.Contains(l, pat) != strings.Contains(flags, "v") {
			n++
			if !strings.Contains(flags, "c") {
				io.WriteString(stdout, strings.TrimSuffix(line, "\n")+"\n")
			}
		}
	}
	if strings.Contains(flags, "c") {
		fmt.Fprintln(stdout, n)
	}
	if n == 0 {
		return 1
	}
	return 0
}

// sha256Check is sha256sum -c: each line "HEX  FILE" must match.
func (sh *shell) sha256Check(files []string, stdin io.Reader, stdout, stderr io.Writer, quiet bool) int {
	var list []byte
	if len(files) == 0 {
		list, _ = io.ReadAll(stdin)
	}
	for _, f := range files {
		b, err := sh.h.fs.read(f)
		if err != nil {
			fmt.Fprintf(stderr, "sha256sum: %s: %v\n", f, err)
			return 1
		}
		list = append(list, b...)
	}
	status, n := 0, 0
	for _, line := range strings.Split(string(list), "\n") {
		want, file, ok := strings.Cut(strings.TrimSpace(line), "  ")
		if !ok {
			continue
		}
		n++
		b, err := sh.h.fs.read(file)
		sum := sha256.Sum256(b)
		res := "OK"
		if err != nil || hex.EncodeToString(sum[:]) != want {
			res, status = "FAILED", 1
		}
		if !quiet {
			fmt.Fprintf(stdout, "%s: %s\n", file, res)
		}
	}
	if n == 0 {
		fmt.Fprintln(stderr, "sha256sum: no properly formatted checksum lines found")
		return 1
	}
	return status
}
