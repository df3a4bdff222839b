package sim

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/cloudfoundry/bosh-cli/v7/director"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// A VM's sftp subsystem, reached through the jumpbox: the user writes
// under /tmp, not under /etc, and reads what is there.
func TestVMSFTPThroughTheJumpbox(t *testing.T) {
	f := startSim(t, Options{})
	j, err := f.Jumpbox()
	if err != nil {
		t.Fatal(err)
	}
	jc, err := dialJumpbox(t, j, "jumpbox", jumpboxSigner(t, j))
	if err != nil {
		t.Fatal(err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	dep, err := adminDirector(t, f, nil).FindDeployment(f.content.clusters[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	res, err := dep.SetUpSSH(director.NewAllOrInstanceGroupOrInstanceSlug("master", "0"),
		director.SSHOpts{Username: "bosh_sftp", PublicKey: string(ssh.MarshalAuthorizedKey(key.PublicKey()))})
	if err != nil || len(res.Hosts) != 1 {
		t.Fatalf("setup: %+v %v", res, err)
	}
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(res.Hosts[0].HostPublicKey))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := jc.Dial("tcp", res.Hosts[0].Host+":22")
	if err != nil {
		t.Fatal(err)
	}
	sc, chans, reqs, err := ssh.NewClientConn(conn, res.Hosts[0].Host+":22", &ssh.ClientConfig{
		User: "bosh_sftp", Auth: []ssh.AuthMethod{ssh.PublicKeys(key)}, HostKeyCallback: ssh.FixedHostKey(hostKey)})
	if err != nil {
		t.Fatal(err)
	}
	vc := ssh.NewClient(sc, chans, reqs)
	defer vc.Close()
	c, err := sftp.NewClient(vc)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	w, err := c.Create("/tmp/note")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if b, err := f.VMFile(dep.Name(), res.Hosts[0].IndexOrID, "/tmp/note"); err != nil || string(b) != "hello" {
		t.Errorf("/tmp/note on the VM: %q %v", b, err)
	}
	if _, err := c.Create("/etc/note"); !errors.Is(err, os.ErrPermission) {
		t.Errorf("create /etc/note: %v, want permission denied", err)
	}
	r, err := c.Open("/var/vcap/jobs/kube-apiserver/config/bpm.yml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	r.Close()
	want, _ := f.VMFile(dep.Name(), res.Hosts[0].IndexOrID, "/var/vcap/jobs/kube-apiserver/config/bpm.yml")
	if err != nil || string(b) != string(want) || len(b) == 0 {
		t.Errorf("read bpm.yml: %q %v, want %q", b, err, want)
	}
	if fi, err := c.Stat("/tmp/note"); err != nil || fi.Size() != 5 {
		t.Errorf("stat /tmp/note: %v %v", fi, err)
	}
	if _, err := c.Stat("/tmp/none"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stat /tmp/none: %v, want not found", err)
	}
}
