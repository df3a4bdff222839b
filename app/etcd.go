package app

import (
	"bytes"
	"context"
	"fmt"

	"bosun/bosh"
	"bosun/pks"
)

// NoHostError: the director set up SSH on no VM of the group asked for.
type NoHostError struct{ What string }

func (e *NoHostError) Error() string { return "the director set up SSH on no " + e.What }

// EtcdReport runs the etcdctl queries on master/0 of dep over SSH (a read:
// refused under --read-only and --offline): every member's health, the
// leader and the database sizes. warn hears an SSH cleanup that failed.
func (s *Session) EtcdReport(ctx context.Context, cluster, dep string, opts bosh.SSHOptions, warn func(string)) (pks.EtcdReport, error) {
	sess, err := s.OpenSSH(ctx, Read, "etcd health", bosh.SSHTarget{Deployment: dep, Group: "master", IndexOrID: "0"}, opts)
	if err != nil {
		return pks.EtcdReport{}, err
	}
	defer closeSSH(sess, warn)
	if len(sess.Hosts) == 0 {
		return pks.EtcdReport{}, &NoHostError{"master of " + dep}
	}
	host := sess.Hosts[0]
	var outs [3]string
	for i, q := range []string{"endpoint health", "member list -w table", "endpoint status -w table"} {
		var buf bytes.Buffer
		if _, err := sess.Run(ctx, host, pks.EtcdCommand(q), nil, &buf, &buf); err != nil {
			return pks.EtcdReport{}, fmt.Errorf("etcdctl %s on %s master/0: %w", q, dep, err)
		}
		outs[i] = buf.String()
	}
	return pks.BuildEtcdReport(cluster, dep, outs[0], outs[1], outs[2]), nil
}

// closeSSH runs the director's cleanup and says when it failed: the
// session's user may remain on the VMs.
func closeSSH(sess *bosh.SSHSession, warn func(string)) {
	if err := sess.Close(); err != nil && warn != nil {
		warn("SSH cleanup failed, the user " + sess.User() + " may remain: " + oneLine(err.Error()))
	}
}
