package bosh

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
)

// parseInstanceDetails reads the result of a format=full task: one JSON
// object per line (director.VMInfo), in no particular order. A line that
// is not JSON, or whose identity fields have the wrong type, is an error
// of KindBadResponse, returned with the instances read before it. Values
// in vitals and processes that do not parse are left zero.
func parseInstanceDetails(dep string, body []byte) ([]Instance, error) {
	insts := []Instance{}
	for n, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		vm, err := decodeVMInfo(line)
		if err != nil {
			SortInstances(insts)
			return insts, &Error{Kind: KindBadResponse, Err: err,
				Description: fmt.Sprintf("task result line %d: %v", n+1, err)}
		}
		insts = append(insts, instanceFrom(dep, vm))
	}
	SortInstances(insts)
	return insts, nil
}

// decodeVMInfo decodes one line into the director package's VMInfo,
// tolerating values of the wrong type inside vitals and processes.
func decodeVMInfo(line []byte) (boshdir.VMInfo, error) {
	if !json.Valid(line) {
		return boshdir.VMInfo{}, fmt.Errorf("not valid JSON: %s", clip(line))
	}
	var vm boshdir.VMInfo
	err := json.Unmarshal(line, &vm)
	var typeErr *json.UnmarshalTypeError
	if err != nil && (!errors.As(err, &typeErr) || !inLenientPart(typeErr.Field)) {
		return boshdir.VMInfo{}, fmt.Errorf("%v in %s", err, clip(line))
	}
	if err != nil {
		// Only the first type error is reported; check the rest of the
		// line without vitals and processes.
		if err := checkStrictPart(line); err != nil {
			return boshdir.VMInfo{}, fmt.Errorf("%v in %s", err, clip(line))
		}
	}
	if vm.JobName == "" || vm.ID == "" {
		return boshdir.VMInfo{}, fmt.Errorf("no job_name or id in %s", clip(line))
	}
	return vm, nil
}

func inLenientPart(field string) bool {
	f := strings.ToLower(field)
	return strings.HasPrefix(f, "vitals") || strings.HasPrefix(f, "processes")
}

func checkStrictPart(line []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return err
	}
	for k := range fields {
		if inLenientPart(k) {
			delete(fields, k)
		}
	}
	rest, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	var vm boshdir.VMInfo
	return json.Unmarshal(rest, &vm)
}

func clip(line []byte) string {
	const max = 120
	if len(line) > max {
		return strconv.Quote(string(line[:max]) + "…")
	}
	return strconv.Quote(string(line))
}

// instanceFrom turns one VMInfo into an Instance.
func instanceFrom(dep string, vm boshdir.VMInfo) Instance {
	in := Instance{
		Deployment:   dep,
		Group:        vm.JobName,
		ID:           vm.ID,
		Name:         vm.JobName + "/" + vm.ID,
		ProcessState: vm.ProcessState,
		State:        vm.State,
		AZ:           vm.AZ,
		IPs:          append([]string{}, vm.IPs...),
		VMCID:        vm.VMID,
		VMType:       vm.VMType,
		AgentID:      vm.AgentID,
		Bootstrap:    vm.Bootstrap,
		Ignore:       vm.Ignore,
		DiskCIDs:     vm.DiskIDs,
		Processes:    make([]Process, 0, len(vm.Processes)),
		Vitals:       vitalsFrom(vm.Vitals),
		Full:         true,
	}
	if vm.Index != nil {
		in.Index = *vm.Index
	}
	if len(in.DiskCIDs) == 0 && vm.DiskID != "" {
		in.DiskCIDs = []string{vm.DiskID}
	}
	in.VMCreatedAt, _ = boshdir.TimeParser{}.Parse(vm.VMCreatedAtRaw)
	for _, p := range vm.Processes {
		proc := Process{Name: p.Name, State: p.State}
		if p.Uptime.Seconds != nil {
			proc.UptimeSecs = int64(*p.Uptime.Seconds)
		}
		if p.Mem.KB != nil {
			proc.MemKB = int64(*p.Mem.KB)
		}
		if p.Mem.Percent != nil {
			proc.MemPercent = *p.Mem.Percent
		}
		if p.CPU.Total != nil {
			proc.CPUTotal = *p.CPU.Total
		}
		in.Processes = append(in.Processes, proc)
	}
	return in
}

// vitalsFrom parses the agent's string vitals; nil when the director sent
// none (an instance without a VM, or an unresponsive agent).
func vitalsFrom(v boshdir.VMInfoVitals) *Vitals {
	if len(v.Load) == 0 && len(v.Disk) == 0 && v.Uptime.Seconds == nil &&
		v.CPU.Sys == "" && v.CPU.User == "" && v.CPU.Wait == "" && v.Mem.KB == "" && v.Mem.Percent == "" {
		return nil
	}
	out := &Vitals{
		CPU:  CPU{Sys: num(v.CPU.Sys), User: num(v.CPU.User), Wait: num(v.CPU.Wait)},
		Mem:  Mem{KB: int64(num(v.Mem.KB)), Percent: num(v.Mem.Percent)},
		Swap: Mem{KB: int64(num(v.Swap.KB)), Percent: num(v.Swap.Percent)},
	}
	for i := 0; i < len(v.Load) && i < 3; i++ {
		out.Load[i] = num(v.Load[i])
	}
	if v.Uptime.Seconds != nil {
		out.UptimeSecs = int64(*v.Uptime.Seconds)
	}
	disk := func(name string) *Usage {
		d, ok := v.Disk[name]
		if !ok {
			return nil
		}
		return &Usage{Percent: num(d.Percent), InodePercent: num(d.InodePercent)}
	}
	out.System, out.Ephemeral, out.Persistent = disk("system"), disk("ephemeral"), disk("persistent")
	return out
}

// num parses a vitals value; anything unparsable or not finite is 0
// (JSON output cannot carry NaN or infinity).
func num(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}
