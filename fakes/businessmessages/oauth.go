package businessmessages

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Scope is the OAuth scope of the Business Messages API.
const Scope = "https://www.googleapis.com/auth/businessmessages"

// GrantTypeJWTBearer is the grant type of a service account's token
// request (RFC 7523).
const GrantTypeJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// ServiceAccount is the credentials file Google issues for a service
// account, as the Business Messages console let partners download it.
type ServiceAccount struct {
	Type                    string `json:"type"`
	ProjectID               string `json:"project_id"`
	PrivateKeyID            string `json:"private_key_id"`
	PrivateKey              string `json:"private_key"`
	ClientEmail             string `json:"client_email"`
	ClientID                string `json:"client_id"`
	AuthURI                 string `json:"auth_uri"`
	TokenURI                string `json:"token_uri"`
	AuthProviderX509CertURL string `json:"auth_provider_x509_cert_url"`
	ClientX509CertURL       string `json:"client_x509_cert_url"`
}

// ParsePrivateKey reads a PEM RSA private key, PKCS#8 ("PRIVATE KEY", as
// in Google's credentials files) or PKCS#1 ("RSA PRIVATE KEY").
func ParsePrivateKey(p string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return nil, errors.New("no PEM block in the private key")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("private key: not an RSA key")
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	}
	return nil, fmt.Errorf("private key: unexpected PEM block %q", block.Type)
}

// encodePKCS8 writes key as a PKCS#8 PEM block.
func encodePKCS8(key *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// tokenError is an OAuth 2.0 error answer of the token endpoint, with the
// wording of Google's.
type tokenError struct {
	Code        string // "invalid_grant", "invalid_request", ...
	Description string
	Status      int
}

func invalidGrant(desc string) *tokenError {
	return &tokenError{Code: "invalid_grant", Description: desc, Status: 400}
}

// jwtClaims are the claims of a service account's assertion.
type jwtClaims struct {
	Iss   string          `json:"iss"`
	Scope string          `json:"scope"`
	Aud   string          `json:"aud"`
	Exp   json.RawMessage `json:"exp"`
	Iat   json.RawMessage `json:"iat"`
	Sub   string          `json:"sub"`
}

// maxAssertion is the longest assertion the token endpoint reads.
const maxAssertion = 16 << 10

// CheckAssertion checks a JWT-bearer assertion as Google's token endpoint
// does: three base64url parts; header alg RS256 (and kid, when present,
// the key's id); an RS256 signature by pub; iss the service account's
// email; aud the token URI; a scope including [Scope]; iat and exp
// integers that int64 holds, with exp after now, iat at most a minute
// ahead of now, and exp after iat by at most an hour (compared without
// overflow, however far apart they are). It returns nil when the
// assertion is good.
func CheckAssertion(assertion string, pub *rsa.PublicKey, keyID, email, tokenURI string, now time.Time) *tokenError {
	if assertion == "" {
		return &tokenError{Code: "invalid_request", Description: "Missing required parameter: assertion", Status: 400}
	}
	if len(assertion) > maxAssertion {
		return invalidGrant("Invalid JWT: the assertion is too long.")
	}
	h, rest, ok1 := strings.Cut(assertion, ".")
	p, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(sig, ".") {
		return invalidGrant("Invalid JWT: the assertion is not a signed JWT.")
	}
	// Strict: a part is spelled one way only, its spare bits zero.
	b64 := base64.RawURLEncoding.Strict()
	hb, err1 := b64.DecodeString(h)
	pb, err2 := b64.DecodeString(p)
	sb, err3 := b64.DecodeString(sig)
	if err1 != nil || err2 != nil || err3 != nil {
		return invalidGrant("Invalid JWT: the assertion is not base64url.")
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if json.Unmarshal(hb, &hdr) != nil {
		return invalidGrant("Invalid JWT: the header is not JSON.")
	}
	if hdr.Alg != "RS256" {
		return invalidGrant("Invalid JWT: the signing algorithm must be RS256.")
	}
	if hdr.Kid != "" && hdr.Kid != keyID {
		return invalidGrant("Invalid JWT Signature.")
	}
	sum := sha256.Sum256([]byte(assertion[:len(h)+1+len(p)]))
	if pub == nil || rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sb) != nil {
		return invalidGrant("Invalid JWT Signature.")
	}
	var c jwtClaims
	if json.Unmarshal(pb, &c) != nil {
		return invalidGrant("Invalid JWT: the claim set is not JSON.")
	}
	if c.Iss != email {
		return invalidGrant("Invalid JWT: the issuer is not the service account.")
	}
	if c.Aud != tokenURI {
		return invalidGrant("Invalid JWT: Failed audience check.")
	}
	if !scopeHas(c.Scope, Scope) {
		return &tokenError{Code: "invalid_scope", Status: 400,
			Description: "Invalid OAuth scope or ID token audience provided."}
	}
	iat, ok1 := unixClaim(c.Iat)
	exp, ok2 := unixClaim(c.Exp)
	if !ok1 || !ok2 {
		return invalidGrant("Invalid JWT: iat and exp must be integers.")
	}
	n := now.Unix()
	// exp > iat: their difference, up to 2^64-1, is exact in uint64,
	// where exp-iat in int64 wraps for claims more than 2^63 apart.
	if exp <= n || iat > n+60 || exp <= iat || uint64(exp-iat) > 3600 {
		return invalidGrant("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
	}
	return nil
}

func scopeHas(scopes, want string) bool {
	for _, s := range strings.Fields(scopes) {
		if s == want {
			return true
		}
	}
	return false
}

// unixClaim reads an integer NumericDate; false for one that int64 does
// not hold, as for one that is not an integer.
func unixClaim(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || len(raw) > 19 {
		return 0, false
	}
	var v int64
	for i, c := range raw {
		if c == '-' && i == 0 && len(raw) > 1 {
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if v > (math.MaxInt64-d)/10 { // 19 digits past 9223372036854775807
			return 0, false
		}
		v = v*10 + d
	}
	if raw[0] == '-' {
		v = -v
	}
	return v, true
}
