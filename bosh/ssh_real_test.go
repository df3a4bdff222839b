package bosh_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"bosun/bosh"
	"bosun/internal/sshdtest"
)

// Against a real OpenSSH sshd (Debian's openssh-server, started by the test).

func realSession(t *testing.T, srv *sshdtest.Server, hostKey ssh.PublicKey) (*bosh.SSHSession, bosh.SSHHost) {
	t.Helper()
	h := bosh.SSHHost{Group: "master", IndexOrID: "0", IP: srv.IP, Port: srv.Port, HostKey: hostKey}
	s, err := bosh.NewSSHSessionWithKey(srv.User, srv.Signer, []bosh.SSHHost{h}, bosh.SSHOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, h
}

func TestRealSSHDRunAndExitCodes(t *testing.T) {
	srv := sshdtest.Start(t)
	s, h := realSession(t, srv, srv.HostKey)
	ctx := context.Background()
	var out, errOut bytes.Buffer
	code, err := s.Run(ctx, h, "echo hello; echo oops >&2; exit 7", nil, &out, &errOut)
	if err != nil || code != 7 || out.String() != "hello\n" || errOut.String() != "oops\n" {
		t.Fatalf("code %d err %v out %q err %q", code, err, out.String(), errOut.String())
	}
	path := filepath.Join(srv.Dir, "written")
	code, err = s.Run(ctx, h, "cat > "+path, strings.NewReader("data\n"), &out, &errOut)
	if err != nil || code != 0 {
		t.Fatalf("write: code %d err %v", code, err)
	}
	if b, _ := os.ReadFile(path); string(b) != "data\n" {
		t.Fatalf("written %q", b)
	}
}

func TestRealSSHDHostKeyMismatchRefused(t *testing.T) {
	srv := sshdtest.Start(t)
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	wrong, _ := ssh.NewPublicKey(priv.Public())
	s, h := realSession(t, srv, wrong)
	marker := filepath.Join(srv.Dir, "ran")
	code, err := s.Run(context.Background(), h, "touch "+marker, nil, nil, nil)
	if !errors.Is(err, bosh.ErrHostKeyMismatch) || code != bosh.ExitMissing {
		t.Fatalf("code %d err %v: want the host key refused", code, err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the command ran on a host with an unknown key")
	}
}

func TestSSHSessionWithoutHostKeyRefused(t *testing.T) {
	_, err := bosh.NewSSHSessionWithKey("u", nil, []bosh.SSHHost{{Group: "m", IndexOrID: "0", IP: "127.0.0.1"}}, bosh.SSHOptions{})
	if bosh.KindOf(err) != bosh.KindConfig {
		t.Fatalf("err = %v", err)
	}
}
