package sim

import "golang.org/x/crypto/ssh"

// layOut writes the VM's file system: BOSH directories, the host key and,
// on a kubo master, the kube-apiserver job.
func (v *sshVM) layOut(f *Foundation) {
	v.fs.mkdir("/tmp", true)
	v.fs.mkdir("/home", true)
	v.fs.put("/etc/ssh/ssh_host_rsa_key.pub", ssh.MarshalAuthorizedKey(v.hostKey.PublicKey()), 0o644)
	v.fs.put("/var/vcap/bosh/log/current", []byte("simulated agent log\n"), 0o644)
	v.fs.mkdir("/var/vcap/data", true)
	for _, j := range v.inst.Group.Jobs {
		v.fs.mkdir("/var/vcap/jobs/"+j.Name+"/config", true)
		v.fs.mkdir("/var/vcap/sys/log/"+j.Name, true)
	}
	if v.inst.Group.Name != "master" || !v.hasJob("kube-apiserver") {
		return
	}
	d := f.content.byName[v.inst.Deployment]
	masters := 0
	for _, in := range d.Instances {
		if in.Group == v.inst.Group {
			masters++
		}
	}
	v.layOutMaster(masters, clusterAuditOn(f.content, d), auditLogPathFor(d))
}

func (v *sshVM) hasJob(name string) bool {
	for _, j := range v.inst.Group.Jobs {
		if j.Name == name {
			return true
		}
	}
	return false
}

// clusterAuditOn: the 3-master clusters start with audit logging on in
// their rendered flags when they are the upgrading one, off otherwise;
// single-master clusters alternate.
func clusterAuditOn(c *content, d *deployment) bool {
	for i, cd := range c.clusters {
		if cd == d {
			return i == 0 || i == 3
		}
	}
	return false
}

// auditLogPathFor is the audit log path of the deployment's kubo line:
// moved under audit/log/ in TKGI 1.13.5.
func auditLogPathFor(d *deployment) string {
	for _, r := range d.Releases {
		if r.Name == "kubo" && versionLess(r.Version, "1.13.5") {
			return apiserverLogDir + "/audit.log"
		}
	}
	return apiserverLogDir + "/audit/log/audit.log"
}
