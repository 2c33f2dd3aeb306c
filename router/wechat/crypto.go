package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/omnisim/omnisim/headmac"
)

// The two ways a safe-mode payload can fail to open. errMalformed is answered
// 400, errForged 403; see the package documentation.
var (
	errMalformed = errors.New("malformed encrypted payload")
	errForged    = errors.New("encrypted payload does not open with this account's key")
)

// blockSize is the PKCS#7 block size WeChat pads to: 32 bytes, not AES's 16.
const blockSize = 32

// signature returns hex(sha1(concatenation of parts sorted byte-wise)), the
// form of both WeChat's signature and msg_signature.
func signature(parts ...string) string {
	sum := sortedSum(parts)
	return hex.EncodeToString(sum[:])
}

// sha1State is a pooled SHA-1 digest with room for its sum.
type sha1State struct {
	h   hash.Hash
	out [sha1.Size]byte
}

// sha1Pool holds sha1States for sortedSum.
var sha1Pool = sync.Pool{New: func() any { return &sha1State{h: sha1.New()} }}

// sortedSum returns sha1 of the concatenation of parts sorted byte-wise;
// parts itself is not reordered. Short parts are joined on the stack; long
// ones are hashed in place (by a pooled digest), which for []byte parts
// allocates nothing.
func sortedSum[T string | []byte](parts []T) [sha1.Size]byte {
	var arr [4]T
	s := arr[:0]
	if len(parts) <= len(arr) {
		s = append(s, parts...)
	} else {
		s = make([]T, len(parts))
		copy(s, parts)
	}
	// Insertion sort: there are three or four parts.
	n := 0
	for i := range s {
		n += len(s[i])
		for j := i; j > 0 && string(s[j]) < string(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	if n <= 256 {
		var stack [256]byte
		b := stack[:0]
		for _, p := range s {
			b = append(b, p...)
		}
		return sha1.Sum(b)
	}
	st := sha1Pool.Get().(*sha1State)
	st.h.Reset()
	for _, p := range s {
		st.h.Write([]byte(p))
	}
	st.h.Sum(st.out[:0])
	sum := st.out
	sha1Pool.Put(st)
	return sum
}

// checkSignature reports whether got is the hex signature of parts (upper- or
// lower-case hex), comparing in constant time.
func checkSignature(got string, parts ...string) bool {
	sum := sortedSum(parts)
	return sumEqual(got, &sum)
}

// sumEqual reports whether got is the hex (either case) of sum, comparing
// in constant time.
func sumEqual(got string, sum *[sha1.Size]byte) bool {
	return headmac.EqualHex(got, sum[:])
}

// decodeAESKey decodes a 43-character EncodingAESKey into the 32-byte AES key:
// base64 (standard alphabet) of the key plus "=".
func decodeAESKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != 43 {
		return nil, fmt.Errorf("EncodingAESKey has %d characters, want 43", len(encodingAESKey))
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil {
		return nil, fmt.Errorf("EncodingAESKey: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("EncodingAESKey decodes to %d bytes, want 32", len(key))
	}
	return key, nil
}

// open decrypts a safe-mode Encrypt value with the adapter's key and
// returns the message it carries, checking that the trailing app id is
// AppID. The ciphertext is decoded and decrypted in buf's storage (grown
// when too small, and returned for reuse); msg is a part of it. Errors are
// errMalformed (not base64, or not whole AES blocks) or errForged (anything
// found wrong after decryption: padding, length, app id), wrapped with the
// detail.
func (a *Adapter) open(encrypt, buf []byte) (msg, out []byte, err error) {
	n := base64.StdEncoding.DecodedLen(len(encrypt))
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	ct := buf[:n]
	n, err = base64.StdEncoding.Decode(ct, encrypt)
	if err != nil {
		return nil, buf, fmt.Errorf("%w: base64: %v", errMalformed, err)
	}
	ct = ct[:n]
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, buf, fmt.Errorf("%w: %d bytes is not a whole number of AES blocks", errMalformed, len(ct))
	}
	a.decryptCBC(ct)
	pt, ok := unpad(ct)
	if !ok {
		return nil, buf, fmt.Errorf("%w: bad padding", errForged)
	}
	if len(pt) < 20 {
		return nil, buf, fmt.Errorf("%w: %d bytes of plaintext is too short", errForged, len(pt))
	}
	l := binary.BigEndian.Uint32(pt[16:20])
	if uint64(l) > uint64(len(pt)-20) {
		return nil, buf, fmt.Errorf("%w: message length %d exceeds the %d bytes left", errForged, l, len(pt)-20)
	}
	msg, id := pt[20:20+l], pt[20+l:]
	if a.cfg.AppID == "" || subtle.ConstantTimeCompare(id, []byte(a.cfg.AppID)) != 1 {
		return nil, buf, fmt.Errorf("%w: app id does not match", errForged)
	}
	return msg, buf, nil
}

// ivSetter is implemented by the standard library's CBC modes: it restarts
// one with a new IV, so that a decrypter can be reused.
type ivSetter interface{ SetIV([]byte) }

// decryptCBC decrypts ct in place with AES-256-CBC, IV aesKey[:16], using a
// pooled decrypter.
func (a *Adapter) decryptCBC(ct []byte) {
	iv := a.aesKey[:aes.BlockSize]
	var m cipher.BlockMode
	if v := a.cbcPool.Get(); v != nil {
		m = v.(cipher.BlockMode)
		m.(ivSetter).SetIV(iv)
	} else {
		m = cipher.NewCBCDecrypter(a.block, iv)
	}
	m.CryptBlocks(ct, ct)
	if _, ok := m.(ivSetter); ok {
		a.cbcPool.Put(m)
	}
}

// unpad strips PKCS#7 padding to a 32-byte block: the last byte p is 1..32 and
// the last p bytes all equal p.
func unpad(b []byte) ([]byte, bool) {
	if len(b) == 0 {
		return nil, false
	}
	p := int(b[len(b)-1])
	if p < 1 || p > blockSize || p > len(b) {
		return nil, false
	}
	for _, c := range b[len(b)-p:] {
		if int(c) != p {
			return nil, false
		}
	}
	return b[:len(b)-p], true
}

// seal is the inverse of open: base64(AES-256-CBC(random16 + len32 + msg +
// appID, PKCS#7 to 32 bytes)) with IV key[:16].
func seal(block cipher.Block, key, random, msg []byte, appID string) string {
	n := 16 + 4 + len(msg) + len(appID)
	p := blockSize - n%blockSize
	pt := make([]byte, 0, n+p)
	pt = append(pt, random[:16]...)
	pt = binary.BigEndian.AppendUint32(pt, uint32(len(msg)))
	pt = append(pt, msg...)
	pt = append(pt, appID...)
	for range p {
		pt = append(pt, byte(p))
	}
	cipher.NewCBCEncrypter(block, key[:aes.BlockSize]).CryptBlocks(pt, pt)
	return base64.StdEncoding.EncodeToString(pt)
}

// cdata marshals as a CDATA section.
type cdata struct {
	Text string `xml:",cdata"`
}

// encryptedReply is the envelope of an encrypted passive reply.
type encryptedReply struct {
	XMLName      xml.Name `xml:"xml"`
	Encrypt      cdata
	MsgSignature cdata
	TimeStamp    string
	Nonce        cdata
}

// EncryptReply encrypts a passive reply (the XML an application answers a
// webhook with, for example from [PassiveReply.Marshal]) for safe mode and
// returns the envelope WeChat expects:
//
//	<xml><Encrypt><![CDATA[…]]></Encrypt><MsgSignature><![CDATA[…]]></MsgSignature><TimeStamp>…</TimeStamp><Nonce><![CDATA[…]]></Nonce></xml>
//
// Encrypt is base64(AES-256-CBC(random16 + length + reply + AppID)) with the
// account's key, and MsgSignature is sha1 of the sorted Token, timestamp,
// nonce and Encrypt. timestamp is Unix seconds as a decimal string; nonce is
// any string. The 16 random bytes come from crypto/rand.
//
// The router never sends passive replies (it answers "success" and sends
// through the customer-service API); this is for applications built on the
// adapter. It fails when [Config.EncodingAESKey] is not a valid 43-character
// key, when Token or AppID is empty, or when the random source fails.
func (a *Adapter) EncryptReply(reply []byte, timestamp, nonce string) ([]byte, error) {
	switch {
	case a.block == nil:
		return nil, fmt.Errorf("wechat: encrypt reply: %w", a.keyErr)
	case a.cfg.Token == "":
		return nil, errors.New("wechat: encrypt reply: no Token configured")
	case a.cfg.AppID == "":
		return nil, errors.New("wechat: encrypt reply: no AppID configured")
	}
	var random [16]byte
	if _, err := io.ReadFull(a.rand, random[:]); err != nil {
		return nil, fmt.Errorf("wechat: encrypt reply: random bytes: %w", err)
	}
	enc := seal(a.block, a.aesKey, random[:], reply, a.cfg.AppID)
	out, err := xml.Marshal(encryptedReply{
		Encrypt:      cdata{enc},
		MsgSignature: cdata{signature(a.cfg.Token, timestamp, nonce, enc)},
		TimeStamp:    timestamp,
		Nonce:        cdata{nonce},
	})
	if err != nil {
		return nil, fmt.Errorf("wechat: encrypt reply: %w", err)
	}
	return out, nil
}

// PassiveReply is a text message answered synchronously in the body of a
// webhook's answer (a "passive reply"), as opposed to the customer-service
// messages [Adapter.Send] posts. The router does not use it.
type PassiveReply struct {
	ToUserName   string // the customer's openid: the webhook's FromUserName
	FromUserName string // the account's original id: the webhook's ToUserName
	CreateTime   int64  // Unix seconds
	Content      string // the text
}

type passiveText struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   cdata
	FromUserName cdata
	CreateTime   int64
	MsgType      cdata
	Content      cdata
}

// Marshal returns the reply as WeChat's text reply XML:
//
//	<xml><ToUserName><![CDATA[…]]></ToUserName><FromUserName><![CDATA[…]]></FromUserName><CreateTime>…</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[…]]></Content></xml>
//
// In safe mode, pass the result to [Adapter.EncryptReply]. A "]]>" in a value
// is split across two CDATA sections. A value XML cannot carry (invalid
// UTF-8, or a character outside XML 1.0's Char production, such as a control
// character other than tab, newline and carriage return) is an error.
func (r PassiveReply) Marshal() ([]byte, error) {
	for _, v := range [...]string{r.ToUserName, r.FromUserName, r.Content} {
		if !xmlText(v) {
			return nil, fmt.Errorf("wechat: passive reply: %q is not valid XML text", v)
		}
	}
	var buf bytes.Buffer
	err := xml.NewEncoder(&buf).Encode(passiveText{
		ToUserName:   cdata{r.ToUserName},
		FromUserName: cdata{r.FromUserName},
		CreateTime:   r.CreateTime,
		MsgType:      cdata{"text"},
		Content:      cdata{r.Content},
	})
	if err != nil {
		return nil, fmt.Errorf("wechat: passive reply: %w", err)
	}
	return buf.Bytes(), nil
}

// xmlText reports whether s is valid UTF-8 made of XML 1.0 characters only.
func xmlText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20, r >= 0xD800 && r < 0xE000, r == 0xFFFE, r == 0xFFFF:
			return false
		}
	}
	return true
}
