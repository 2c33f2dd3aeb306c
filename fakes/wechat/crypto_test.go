package wechat

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Vectors of WeChat's own WXBizMsgCrypt SDK sample tests.
const (
	sdkKey     = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	sdkAppID   = "wxb11529c136998cb6"
	sdkRandom  = "aaaabbbbccccdddd"
	sdkMsg     = "我是中文abcd123"
	sdkEncrypt = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="

	// testVerifyUrl: token, key, app id, msg_signature, timestamp, nonce, echostr.
	sdkVerifyToken = "QDG6eK"
	sdkVerifyKey   = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	sdkVerifyAppID = "wx5823bf96d3bd56c7"
	sdkVerifySig   = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	sdkVerifyTS    = "1409659589"
	sdkVerifyNonce = "263014780"
	sdkVerifyEcho  = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)

func TestSDKVectors(t *testing.T) {
	got, err := Encrypt(sdkKey, sdkAppID, []byte(sdkRandom), []byte(sdkMsg))
	if err != nil || got != sdkEncrypt {
		t.Fatalf("Encrypt = %q, %v; want the SDK's %q", got, err, sdkEncrypt)
	}
	msg, err := Decrypt(sdkKey, sdkAppID, sdkEncrypt)
	if err != nil || string(msg) != sdkMsg {
		t.Fatalf("Decrypt = %q, %v", msg, err)
	}
	if sig := Signature(sdkVerifyToken, sdkVerifyTS, sdkVerifyNonce, sdkVerifyEcho); sig != sdkVerifySig {
		t.Fatalf("Signature = %s, want %s", sig, sdkVerifySig)
	}
	if msg, err := Decrypt(sdkVerifyKey, sdkVerifyAppID, sdkVerifyEcho); err != nil || string(msg) != "1616140317555161061" {
		t.Fatalf("Decrypt echostr = %q, %v", msg, err)
	}
}

// refSHA1 is the test's own signature: sort, join, sha1, hex.
func refSHA1(parts ...string) string {
	p := append([]string(nil), parts...)
	for i := range p { // insertion sort, independent of package sort
		for j := i; j > 0 && p[j] < p[j-1]; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
	sum := sha1.Sum([]byte(strings.Join(p, "")))
	return hex.EncodeToString(sum[:])
}

func TestSignatureKnownAnswers(t *testing.T) {
	tests := []struct {
		parts []string
		want  string
	}{
		// sha1("1700000000" + "2058466325" + "omnisimwechattoken"), the sorted order.
		{[]string{"omnisimwechattoken", "1700000000", "2058466325"}, refSHA1("1700000000", "2058466325", "omnisimwechattoken")},
		{[]string{"token", "b", "a"}, refSHA1("a", "b", "token")},
		{[]string{"Z", "a", "_"}, refSHA1("Z", "_", "a")}, // byte order: 'Z' < '_' < 'a'
		{[]string{}, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
	}
	for _, tc := range tests {
		if got := Signature(tc.parts...); got != tc.want {
			t.Errorf("Signature(%q) = %s, want %s", tc.parts, got, tc.want)
		}
	}
	in := []string{"c", "b", "a"}
	Signature(in...)
	if in[0] != "c" {
		t.Error("Signature sorted its argument in place")
	}
}

// refEncrypt builds the envelope independently: crypto/aes and CBC by hand.
func refEncrypt(t *testing.T, key, appID, random string, msg []byte) string {
	t.Helper()
	k, err := base64.StdEncoding.DecodeString(key + "=")
	if err != nil || len(k) != 32 {
		t.Fatalf("bad test key: %v", err)
	}
	var pt []byte
	pt = append(pt, random...)
	pt = append(pt, byte(len(msg)>>24), byte(len(msg)>>16), byte(len(msg)>>8), byte(len(msg)))
	pt = append(pt, msg...)
	pt = append(pt, appID...)
	pad := 32 - len(pt)%32
	for range pad {
		pt = append(pt, byte(pad))
	}
	b, _ := aes.NewCipher(k)
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(b, k[:16]).CryptBlocks(ct, pt)
	return base64.StdEncoding.EncodeToString(ct)
}

// refDecrypt is the test's own decryption (no checks but the app id).
func refDecrypt(t *testing.T, key, appID, enc string) []byte {
	t.Helper()
	k, _ := base64.StdEncoding.DecodeString(key + "=")
	ct, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(ct)%32 != 0 || len(ct) == 0 {
		t.Fatalf("ciphertext of %d bytes, not whole 32-byte blocks (%v)", len(ct), err)
	}
	b, _ := aes.NewCipher(k)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(b, k[:16]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > 32 {
		t.Fatalf("padding %d", pad)
	}
	pt = pt[:len(pt)-pad]
	n := int(pt[16])<<24 | int(pt[17])<<16 | int(pt[18])<<8 | int(pt[19])
	if string(pt[20+n:]) != appID {
		t.Fatalf("app id %q", pt[20+n:])
	}
	return pt[20 : 20+n]
}

func TestEncryptKnownAnswers(t *testing.T) {
	const key = "OmniSimWeChatFakeEncodingAESKey2025abcdefgE"
	tests := []struct {
		name string
		msg  string
	}{
		{"empty", ""},
		{"short", "<xml>hi</xml>"},
		{"exactly 32 with header", strings.Repeat("x", 32-20-len(DefaultAppID)+32)}, // full pad block
		{"unicode", "你好，世界 😀 ]]> <x/>"},
		{"long", strings.Repeat("0123456789", 100)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := refEncrypt(t, key, DefaultAppID, "0123456789abcdef", []byte(tc.msg))
			got, err := Encrypt(key, DefaultAppID, []byte("0123456789abcdef"), []byte(tc.msg))
			if err != nil || got != want {
				t.Fatalf("Encrypt = %q, %v; want %q", got, err, want)
			}
			back, err := Decrypt(key, DefaultAppID, got)
			if err != nil || string(back) != tc.msg {
				t.Fatalf("round trip = %q, %v", back, err)
			}
		})
	}
}

// encryptRaw encrypts pt (already padded to 16) independently.
func encryptRaw(key string, pt []byte) string {
	k, _ := base64.StdEncoding.DecodeString(key + "=")
	b, _ := aes.NewCipher(k)
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(b, k[:16]).CryptBlocks(ct, pt)
	return base64.StdEncoding.EncodeToString(ct)
}

func TestDecryptRefuses(t *testing.T) {
	key := DefaultEncodingAESKey
	good, _ := Encrypt(key, DefaultAppID, []byte("0123456789abcdef"), []byte("<xml>hello</xml>"))
	raw, _ := base64.StdEncoding.DecodeString(good)
	tampered := append([]byte(nil), raw...)
	tampered[len(tampered)-1] ^= 0x01 // last block garbles padding
	flipped := append([]byte(nil), raw...)
	flipped[20] ^= 0x80 // second block: garbles block 2, flips a byte of block 3
	header := func(n uint32, rest string) []byte {
		b := append([]byte("0123456789abcdef"), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
		return append(b, rest...)
	}
	pad := func(b []byte, v byte, n int) []byte {
		for range n {
			b = append(b, v)
		}
		return b
	}
	tests := []struct {
		name  string
		key   string
		appID string
		enc   string
		want  error
	}{
		{"short key", "abc", DefaultAppID, good, ErrAESKey},
		{"key not base64", strings.Repeat("*", 43), DefaultAppID, good, ErrAESKey},
		{"not base64", key, DefaultAppID, "%%%%", ErrBase64},
		{"empty", key, DefaultAppID, "", ErrCiphertext},
		{"not whole blocks", key, DefaultAppID, base64.StdEncoding.EncodeToString(raw[:len(raw)-3]), ErrCiphertext},
		{"tampered padding", key, DefaultAppID, base64.StdEncoding.EncodeToString(tampered), ErrBuffer},
		{"wrong app id", key, "wx0000000000000000", good, ErrAppID},
		{"wrong key", sdkKey, DefaultAppID, good, nil}, // any error
		{"pad byte 0", key, DefaultAppID, encryptRaw(key, pad(header(0, ""), 0, 12)), ErrBuffer},
		{"pad byte 33", key, DefaultAppID, encryptRaw(key, pad(header(0, "")[:0], 33, 64)), ErrBuffer},
		{"inconsistent pad", key, DefaultAppID, encryptRaw(key, append(pad(header(0, DefaultAppID), 9, 5), 3, 3, 4, 3, 3)), ErrBuffer},
		{"length beyond end", key, DefaultAppID, encryptRaw(key, pad(header(1000, DefaultAppID), 10, 10)), ErrBuffer},
		{"shorter than header", key, DefaultAppID, encryptRaw(key, pad([]byte("0123456789ab"), 20, 20)), ErrBuffer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := Decrypt(tc.key, tc.appID, tc.enc)
			if err == nil {
				t.Fatalf("accepted: %q", msg)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
	// A flipped bit in a middle block: refused unless the damage misses
	// every check, and then the message differs (CBC has no integrity).
	if msg, err := Decrypt(key, DefaultAppID, base64.StdEncoding.EncodeToString(flipped)); err == nil && string(msg) == "<xml>hello</xml>" {
		t.Fatal("tampered ciphertext decrypted to the original")
	}
}

func TestEncryptArguments(t *testing.T) {
	if _, err := Encrypt(DefaultEncodingAESKey, DefaultAppID, []byte("short"), nil); err == nil {
		t.Error("15-byte random accepted")
	}
	if _, err := Encrypt("x", DefaultAppID, make([]byte, 16), nil); !errors.Is(err, ErrAESKey) {
		t.Errorf("bad key: %v", err)
	}
	for _, code := range []struct {
		err  error
		code int
	}{{ErrAESKey, -40004}, {ErrBase64, -40010}, {ErrCiphertext, -40007}, {ErrBuffer, -40008}, {ErrAppID, -40005}} {
		if got := sdkCode(fmt.Errorf("x: %w", code.err)); got != code.code {
			t.Errorf("sdkCode(%v) = %d, want %d", code.err, got, code.code)
		}
	}
}
