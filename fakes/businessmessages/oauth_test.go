package businessmessages

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// signClaims is an RS256 assertion signed by s's key whose iat and exp
// claims are the JSON numbers iat and exp, spelled as given.
func signClaims(t *testing.T, s *Server, iat, exp string) string {
	t.Helper()
	b64 := base64.RawURLEncoding
	hdr := b64.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT","kid":"` + DefaultPrivateKeyID + `"}`))
	claims := fmt.Sprintf(`{"iss":%q,"scope":%q,"aud":%q,"exp":%s,"iat":%s}`, DefaultClientEmail, Scope, s.TokenURI(), exp, iat)
	signed := hdr + "." + b64.EncodeToString([]byte(claims))
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + b64.EncodeToString(sig)
}

// A signed assertion whose iat and exp are absurd (exp far past iat or
// before it, values past int64, a span past int64) is refused as Google
// refuses an invalid assertion: 400 invalid_grant, in OAuth's error body.
func TestAssertionClaimsAbsurd(t *testing.T) {
	n := t0.Unix()
	num := func(v int64) string { return fmt.Sprint(v) }
	const short = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
	const notInt = "Invalid JWT: iat and exp must be integers."
	tests := []struct {
		name, iat, exp string
		want           string // the error_description; "" for a token
	}{
		{"an hour", num(n), num(n + 3600), ""},
		{"an hour and a second", num(n), num(n + 3601), short},
		{"exp before iat", num(n + 30), num(n + 10), short},
		{"exp at iat", num(n), num(n), short},
		{"exp the last second int64 holds", num(n), "9223372036854775807", short},
		{"iat and exp as far apart as 19 characters go", "-999999999999999999", "9223372036854775807", short},
		{"iat the first second of 19 characters", "-999999999999999999", num(n + 600), short},
		{"iat past int64 by 1000", "9223372036854776808", num(n + 600), notInt},
		{"iat past int64, nineteen nines", "9999999999999999999", num(n + 600), notInt},
		{"exp past int64", num(n), "9223372036854775808", notInt},
		{"exp past int64, nineteen nines", num(n), "9999999999999999999", notInt},
		{"exp of twenty digits", num(n), "10000000000000000000", notInt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Config{Clock: func() time.Time { return t0 }, BaseURL: "http://api.businessmessages.omnisim"})
			w := httptest.NewRecorder()
			form := url.Values{"grant_type": {GrantTypeJWTBearer}, "assertion": {signClaims(t, s, tt.iat, tt.exp)}}
			r := httptest.NewRequest("POST", PathToken, strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			s.ServeHTTP(w, r)
			if tt.want == "" {
				if w.Code != 200 {
					t.Fatalf("status %d: %s", w.Code, w.Body)
				}
				return
			}
			var e struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			if w.Code != 400 || json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error != "invalid_grant" || e.Description != tt.want {
				t.Errorf("status %d: %s, want 400 invalid_grant %q", w.Code, w.Body, tt.want)
			}
		})
	}
}

// unixClaim reads the integers int64 holds and no others: a 19-digit
// value past 9223372036854775807 is refused, not wrapped.
func TestUnixClaim(t *testing.T) {
	tests := []struct {
		raw  string
		want int64
		ok   bool
	}{
		{"1709546400", 1709546400, true},
		{" -42 ", -42, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"-999999999999999999", -999999999999999999, true},
		{"9223372036854775808", 0, false},
		{"9223372036854776808", 0, false},
		{"9999999999999999999", 0, false},
		{"10000000000000000000", 0, false},
		{"1.5", 0, false},
		{"-", 0, false},
	}
	for _, tt := range tests {
		v, ok := unixClaim(json.RawMessage(tt.raw))
		if v != tt.want || ok != tt.ok {
			t.Errorf("unixClaim(%s) = %d, %v, want %d, %v", tt.raw, v, ok, tt.want, tt.ok)
		}
	}
}
