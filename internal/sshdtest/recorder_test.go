package sshdtest

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that notes a Fatal or Skip instead of ending
// the test.
type recorder struct {
	testing.TB
	failed, skipped bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatal(args ...any) {
	r.failed, r.msg = true, fmt.Sprint(args...)
}
func (r *recorder) Skip(args ...any) {
	r.skipped, r.msg = true, fmt.Sprint(args...)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
