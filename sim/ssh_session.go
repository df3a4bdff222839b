package sim

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/term"
)

// handle serves the session channels of one connection.
func (v *sshVM) handle(sc *ssh.ServerConn, chans <-chan ssh.NewChannel) {
	var wg sync.WaitGroup
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, reqs, err := nc.Accept()
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			v.session(sc, ch, reqs)
		}()
	}
	wg.Wait()
}

// dropReader cuts the whole connection once limit bytes of stdin have
// arrived: the SSH drop fault.
type dropReader struct {
	r     io.Reader
	limit int
	n     int
	conn  *ssh.ServerConn
}

func (d *dropReader) Read(p []byte) (int, error) {
	if d.limit > 0 && d.n >= d.limit {
		d.conn.Close()
		return 0, io.ErrUnexpectedEOF
	}
	if d.limit > 0 && len(p) > d.limit-d.n {
		p = p[:d.limit-d.n]
	}
	n, err := d.r.Read(p)
	d.n += n
	return n, err
}

func (v *sshVM) session(sc *ssh.ServerConn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	sh := &shell{h: v, user: sc.User()}
	v.f.mu.Lock()
	drop := v.f.faults.SSHDropAfter
	v.f.mu.Unlock()
	stdin := &dropReader{r: ch, limit: drop, conn: sc}
	pty := false
	for req := range reqs {
		switch req.Type {
		case "pty-req":
			pty = true
			req.Reply(true, nil)
		case "env", "window-change":
			req.Reply(true, nil)
		case "exec":
			var p struct{ Cmd string }
			if err := ssh.Unmarshal(req.Payload, &p); err != nil {
				req.Reply(false, nil)
				continue
			}
			req.Reply(true, nil)
			status, _ := sh.run(p.Cmd, stdin, ch, ch.Stderr())
			if drop > 0 && stdin.n >= drop {
				sc.Close() // the drop happened while the command ran
				return
			}
			sendExit(ch, status)
			return
		case "subsystem":
			var p struct{ Name string }
			if ssh.Unmarshal(req.Payload, &p) != nil || p.Name != "sftp" {
				req.Reply(false, nil)
				continue
			}
			req.Reply(true, nil)
			go ssh.DiscardRequests(reqs)
			status := 0
			if v.serveSFTP(sh, ch) != nil {
				status = 1
			}
			sendExit(ch, status)
			return
		case "shell":
			req.Reply(true, nil)
			go ssh.DiscardRequests(reqs)
			sendExit(ch, v.interactive(sh, ch, pty))
			return
		default:
			req.Reply(false, nil)
		}
	}
}

func sendExit(ch ssh.Channel, status int) {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, uint32(status))
	ch.SendRequest("exit-status", false, b)
}

// interactive is the login shell: a prompt, one command line at a time.
func (v *sshVM) interactive(sh *shell, ch ssh.Channel, pty bool) int {
	prompt := func() string {
		p := v.inst.Group.Name + "/" + v.inst.ID + ":~$ "
		if sh.root {
			p = v.inst.Group.Name + "/" + v.inst.ID + ":~# "
		}
		return p
	}
	var out io.Writer = ch
	if pty {
		t := term.NewTerminal(ch, prompt())
		fmt.Fprintf(t, "Unauthorized use is strictly prohibited. All access and activity\nis subject to logging and monitoring.\n")
		for {
			t.SetPrompt(prompt())
			line, err := t.ReadLine()
			if err != nil {
				return 0
			}
			if st, exit := v.runInteractive(sh, line, t); exit {
				return st
			}
		}
	}
	r := bufio.NewReader(ch)
	status := 0
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			st, exit := v.runInteractive(sh, strings.TrimRight(line, "\r\n"), out)
			status = st
			if exit {
				return st
			}
		}
		if err != nil {
			return status
		}
	}
}

func (v *sshVM) runInteractive(sh *shell, line string, out io.Writer) (int, bool) {
	if strings.TrimSpace(line) == "sudo -i" || strings.TrimSpace(line) == "sudo su" {
		sh.root = true
		return 0, false
	}
	return sh.run(line, strings.NewReader(""), out, out)
}
