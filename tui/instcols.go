package tui

import (
	"strconv"
	"strings"
	"time"

	"bosun/bosh"
	"bosun/cache"
)

// Instance column ids; the all-instances screen adds the deployment column.
const (
	instColInstance = iota
	instColDeployment
	instColState
	instColAZ
	instColIPs
	instColLoad
	instColCPU
	instColMem
	instColDisk
	instColVMType
	instColVMCID
	instColVMAge
	numInstCols
)

var instColumns = [numInstCols]column{
	instColInstance:   {title: "INSTANCE", min: 14, max: 40, prio: 1},
	instColDeployment: {title: "DEPLOYMENT", min: 12, max: 30, prio: 2, mid: true},
	instColState:      {title: "STATE", min: 14, prio: 1},
	instColAZ:         {title: "AZ", min: 4, max: 10, prio: 4},
	instColIPs:        {title: "IPS", min: 11, max: 31, prio: 2},
	instColLoad:       {title: "LOAD", min: 5, prio: 3, right: true},
	instColCPU:        {title: "CPU%", min: 5, prio: 3, right: true},
	instColMem:        {title: "MEM%", min: 4, prio: 3, right: true},
	instColDisk:       {title: "DISK S/E/P%", min: 11, prio: 5, right: true},
	instColVMType:     {title: "VM TYPE", min: 7, max: 16, prio: 6},
	instColVMCID:      {title: "VM CID", min: 10, max: 40, prio: 7},
	instColVMAge:      {title: "VM AGE", min: 6, prio: 8, right: true},
}

func instanceColumnIDs(all bool) []int {
	ids := []int{instColInstance}
	if all {
		ids = append(ids, instColDeployment)
	}
	return append(ids, instColState, instColAZ, instColIPs, instColLoad, instColCPU,
		instColMem, instColDisk, instColVMType, instColVMCID, instColVMAge)
}

// instanceCell formats one column of an instance.
func instanceCell(in *bosh.Instance, id int) cell {
	v := in.Vitals
	switch id {
	case instColInstance:
		return cell{text: instanceLabel(in)}
	case instColDeployment:
		return cell{text: in.Deployment}
	case instColState:
		l := instanceLook(in)
		return cell{text: l.String(), role: l.role}
	case instColAZ:
		return cell{text: orDash(in.AZ)}
	case instColIPs:
		return cell{text: orDash(strings.Join(in.IPs, ","))}
	case instColVMType:
		return cell{text: orDash(in.VMType)}
	case instColVMCID:
		return cell{text: orDash(in.VMCID), role: roleFaint}
	}
	if v == nil {
		return cell{text: "-", role: roleFaint}
	}
	switch id {
	case instColLoad:
		return cell{text: strconv.FormatFloat(v.Load[0], 'f', 2, 64)}
	case instColCPU:
		cpu := v.CPU.User + v.CPU.Sys
		return cell{text: strconv.FormatFloat(cpu, 'f', 1, 64), role: usageRole(cpu)}
	case instColMem:
		return cell{text: strconv.FormatFloat(v.Mem.Percent, 'f', 0, 64), role: usageRole(v.Mem.Percent)}
	case instColDisk:
		worst := diskMax(v)
		return cell{text: diskText(v.System) + "/" + diskText(v.Ephemeral) + "/" + diskText(v.Persistent),
			role: usageRole(worst)}
	}
	return cell{}
}

func diskText(u *bosh.Usage) string {
	if u == nil {
		return "-"
	}
	return strconv.FormatFloat(u.Percent, 'f', 0, 64)
}

// diskMax is the fullest disk's used percentage, -1 without vitals.
func diskMax(v *bosh.Vitals) float64 {
	m := -1.0
	for _, u := range []*bosh.Usage{v.System, v.Ephemeral, v.Persistent} {
		if u != nil && u.Percent > m {
			m = u.Percent
		}
	}
	return m
}

// vital returns a number for sorting by a vitals column; -1 without vitals.
func vital(in *bosh.Instance, id int) float64 {
	v := in.Vitals
	if v == nil {
		return -1
	}
	switch id {
	case instColLoad:
		return v.Load[0]
	case instColCPU:
		return v.CPU.User + v.CPU.Sys
	case instColMem:
		return v.Mem.Percent
	case instColDisk:
		return diskMax(v)
	}
	return 0
}

// compareInstRows orders rows by one column; ties keep the canonical order
// (deployment, group, index).
func compareInstRows(a, b *instRow, id int) int {
	x, y := a.in, b.in
	switch id {
	case instColInstance:
		if c := strings.Compare(instanceGroup(x), instanceGroup(y)); c != 0 {
			return c
		}
		return x.Index - y.Index
	case instColDeployment:
		return strings.Compare(x.Deployment, y.Deployment)
	case instColState:
		return stateRank(x) - stateRank(y)
	case instColAZ:
		return strings.Compare(x.AZ, y.AZ)
	case instColIPs:
		return compareIPs(x.IPs, y.IPs)
	case instColVMType:
		return strings.Compare(x.VMType, y.VMType)
	case instColVMCID:
		return strings.Compare(x.VMCID, y.VMCID)
	case instColVMAge: // youngest VM first; none last
		switch {
		case x.VMCreatedAt.IsZero() || y.VMCreatedAt.IsZero():
			return boolRank(x.VMCreatedAt.IsZero()) - boolRank(y.VMCreatedAt.IsZero())
		}
		return y.VMCreatedAt.Compare(x.VMCreatedAt)
	}
	return compareFloat(vital(x, id), vital(y, id))
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// vmAgeCell is how long ago the instance's VM was created.
func vmAgeCell(in *bosh.Instance, now time.Time) cell {
	if in.VMCreatedAt.IsZero() {
		return cell{text: "-", role: roleFaint}
	}
	return cell{text: cache.Age(in.VMCreatedAt, now), role: roleFaint}
}

// compareIPs orders by the first address, numerically for IPv4.
func compareIPs(a, b []string) int {
	if len(a) == 0 || len(b) == 0 {
		return len(a) - len(b)
	}
	pa, pb := ipv4(a[0]), ipv4(b[0])
	if pa >= 0 && pb >= 0 {
		return compareFloat(float64(pa), float64(pb))
	}
	return strings.Compare(a[0], b[0])
}

// ipv4 turns a dotted quad into a number, -1 when it is not one.
func ipv4(s string) int64 {
	var n int64
	parts := 0
	for part := range strings.SplitSeq(s, ".") {
		v, err := strconv.Atoi(part)
		if err != nil || v < 0 || v > 255 {
			return -1
		}
		n = n<<8 | int64(v)
		parts++
	}
	if parts != 4 {
		return -1
	}
	return n
}
