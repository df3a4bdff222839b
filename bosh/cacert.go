package bosh

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
)

// ReadCACert takes what --ca-cert or BOSH_CA_CERT (or the PKS API's CA
// setting) holds: PEM text (told apart by its "-----BEGIN" marker, as the
// bosh CLI does) or the path of a PEM file, "~/" meaning home. Either way
// the result must hold at least one certificate.
func ReadCACert(v, home string) (string, error) {
	if strings.Contains(v, "-----BEGIN") {
		if err := checkPEMCerts(v); err != nil {
			return "", configErr("CA certificate given as text: " + err.Error())
		}
		return v, nil
	}
	path := expandHome(v, home)
	data, err := os.ReadFile(path)
	if err != nil {
		return "", configErr(fmt.Sprintf("cannot read CA certificate file %s: %v", path, pathErrReason(err)))
	}
	if err := checkPEMCerts(string(data)); err != nil {
		return "", configErr(fmt.Sprintf("CA certificate file %s: %v", path, err))
	}
	return string(data), nil
}

// checkPEMCerts makes sure text holds PEM certificates, and only parsable ones.
func checkPEMCerts(text string) error {
	rest := []byte(text)
	n := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Errorf("certificate %d does not parse: %v", n+1, err)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no PEM certificate found")
	}
	return nil
}
