package bosh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// ExitMissing is the exit code reported when a remote command ended
// without an exit status, e.g. because the connection dropped.
const ExitMissing = 255

// Connect opens an SSH connection to h as the session's user, accepting
// only the host key the director reported for h.
func (s *SSHSession) Connect(ctx context.Context, h SSHHost) (*ssh.Client, error) {
	addr := h.addr()
	conn, err := s.route.dial(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("ssh %s (%s via %s): %w", h.Instance(), addr, s.route.via(), err)
	}
	cfg := &ssh.ClientConfig{
		User:            s.user,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.signer)},
		HostKeyCallback: pinnedHostKey(h),
		Timeout:         30 * time.Second,
	}
	type result struct {
		c     ssh.Conn
		chans <-chan ssh.NewChannel
		reqs  <-chan *ssh.Request
	}
	r, err := await(ctx, func() (result, error) {
		c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
		return result{c, chans, reqs}, err
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("ssh %s (%s): %w", h.Instance(), addr, err)
	}
	return ssh.NewClient(r.c, r.chans, r.reqs), nil
}

// ErrHostKeyMismatch is returned (wrapped) when a host presents a key other
// than the one the director reported.
var ErrHostKeyMismatch = errors.New("host key mismatch")

func pinnedHostKey(h SSHHost) ssh.HostKeyCallback {
	want := h.HostKey.Marshal()
	return func(_ string, _ net.Addr, key ssh.PublicKey) error {
		if string(key.Marshal()) != string(want) {
			return fmt.Errorf("%w: %s presented %s, the director reported %s; refusing to connect",
				ErrHostKeyMismatch, h.Instance(), ssh.FingerprintSHA256(key), ssh.FingerprintSHA256(h.HostKey))
		}
		return nil
	}
}

// Run runs cmd on h with stdin (may be nil) and returns the remote exit
// code. A command killed by a signal or cut off gives ExitMissing and an
// error. Commands to one host share one connection, made on first use
// and made again when it has broken; when ctx ends the connection is
// closed.
func (s *SSHSession) Run(ctx context.Context, h SSHHost, cmd string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	c, err := s.conn(ctx, h)
	if err != nil {
		return ExitMissing, err
	}
	sess, err := c.NewSession()
	if err != nil {
		// The shared connection broke since its last use: dial again.
		s.dropConn(h, c)
		if c, err = s.conn(ctx, h); err != nil {
			return ExitMissing, err
		}
		if sess, err = c.NewSession(); err != nil {
			s.dropConn(h, c)
			return ExitMissing, err
		}
	}
	code, err := runSession(ctx, c, sess, cmd, stdin, stdout, stderr)
	if err != nil {
		s.dropConn(h, c)
	}
	return code, err
}

// conn is the shared connection to h.
func (s *SSHSession) conn(ctx context.Context, h SSHHost) (*ssh.Client, error) {
	key := h.addr() + "/" + h.Instance()
	s.connMu.Lock()
	if s.closed {
		s.connMu.Unlock()
		return nil, errors.New("ssh session closed")
	}
	if c := s.conns[key]; c != nil {
		s.connMu.Unlock()
		return c, nil
	}
	s.connMu.Unlock()
	c, err := s.Connect(ctx, h)
	if err != nil {
		return nil, err
	}
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.closed {
		c.Close()
		return nil, errors.New("ssh session closed")
	}
	if old := s.conns[key]; old != nil {
		c.Close() // another caller connected meanwhile
		return old, nil
	}
	if s.conns == nil {
		s.conns = map[string]*ssh.Client{}
	}
	s.conns[key] = c
	return c, nil
}

func (s *SSHSession) dropConn(h SSHHost, c *ssh.Client) {
	key := h.addr() + "/" + h.Instance()
	s.connMu.Lock()
	if s.conns[key] == c {
		delete(s.conns, key)
	}
	s.connMu.Unlock()
	c.Close()
}

// closeConns closes every shared connection.
func (s *SSHSession) closeConns() {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	s.closed = true
	for k, c := range s.conns {
		c.Close()
		delete(s.conns, k)
	}
}

// RunOn runs cmd over an open connection, as Run does.
func RunOn(ctx context.Context, c *ssh.Client, cmd string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	sess, err := c.NewSession()
	if err != nil {
		return ExitMissing, err
	}
	return runSession(ctx, c, sess, cmd, stdin, stdout, stderr)
}

func runSession(ctx context.Context, c *ssh.Client, sess *ssh.Session, cmd string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	defer sess.Close()
	if stdout != nil && stdout == stderr {
		stdout = &lockedWriter{w: stdout}
		stderr = stdout
	}
	sess.Stdin, sess.Stdout, sess.Stderr = stdin, stdout, stderr
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	return exitCode(ctx, sess.Run(cmd))
}

func exitCode(ctx context.Context, err error) (int, error) {
	var exit *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case err == nil:
		return 0, nil
	case ctx.Err() != nil:
		return ExitMissing, ctx.Err()
	case errors.As(err, &exit):
		if exit.Signal() != "" {
			return 128 + 15, fmt.Errorf("remote command killed by signal %s", exit.Signal())
		}
		return exit.ExitStatus(), nil
	case errors.As(err, &missing):
		return ExitMissing, errors.New("remote command ended without an exit status (connection lost?)")
	}
	if errors.Is(err, io.EOF) {
		return ExitMissing, errors.New("connection lost")
	}
	return ExitMissing, err
}

// lockedWriter lets stdout and stderr share one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
