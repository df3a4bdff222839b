package sim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// certAuthority is the CA generated at start. It signs the director and UAA
// certificates. Keys are RSA 2048 so that a TLS 1.2 client limited to the
// ECDHE-RSA-AES-GCM suites (bosh-cli's tlsconfig defaults) can connect.
type certAuthority struct {
	cert    *x509.Certificate
	key     *rsa.PrivateKey
	certPEM string
}

func newCertAuthority(now time.Time) (*certAuthority, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("sim: CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "bosun simulated foundation CA", Organization: []string{"bosun"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("sim: CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("sim: CA certificate: %w", err)
	}
	return &certAuthority{
		cert:    cert,
		key:     key,
		certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
	}, nil
}

// serverCert issues a server certificate for loopback use: SANs 127.0.0.1,
// ::1 and localhost, plus any extra IPs (the listen host when it is not
// loopback). Both servers share one key; each gets its own certificate.
func (ca *certAuthority) serverCerts(now time.Time, extraIPs []net.IP, names ...string) ([]tls.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("sim: server key: %w", err)
	}
	ips := append([]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, extraIPs...)
	var out []tls.Certificate
	for _, cn := range names {
		tmpl := &x509.Certificate{
			SerialNumber: randomSerial(),
			Subject:      pkix.Name{CommonName: cn, Organization: []string{"bosun"}},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(365 * 24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			DNSNames:     []string{"localhost"},
			IPAddresses:  ips,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
		if err != nil {
			return nil, fmt.Errorf("sim: %s certificate: %w", cn, err)
		}
		out = append(out, tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: key})
	}
	return out, nil
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}
