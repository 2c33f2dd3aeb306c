package wechat

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/omnisim/omnisim/headmac"
)

// Errors of [Encrypt] and [Decrypt]; the fake journals them, for refused
// passive replies, with the code of WeChat's WXBizMsgCrypt SDK shown.
var (
	// ErrAESKey: the EncodingAESKey is not 43 characters of base64 giving
	// 32 bytes (SDK code -40004).
	ErrAESKey = errors.New("wechat: EncodingAESKey must be 43 base64 characters (32 bytes)")
	// ErrBase64: the Encrypt text is not base64 (SDK code -40010).
	ErrBase64 = errors.New("wechat: Encrypt is not valid base64")
	// ErrCiphertext: the ciphertext is empty or not whole AES blocks (SDK
	// code -40007).
	ErrCiphertext = errors.New("wechat: ciphertext is not a whole number of AES blocks")
	// ErrBuffer: the decrypted buffer has bad PKCS#7 padding or a message
	// length beyond its end (SDK code -40008).
	ErrBuffer = errors.New("wechat: decrypted buffer is malformed")
	// ErrAppID: the AppID at the end of the decrypted buffer is not the
	// expected one (SDK code -40005).
	ErrAppID = errors.New("wechat: AppID of the decrypted message does not match")
)

// blockPad is the PKCS#7 block size WeChat uses: 32 bytes, not AES's 16.
const blockPad = 32

// Signature returns WeChat's SHA-1 signature of parts: the lower-case hex
// SHA-1 of the parts sorted lexicographically (as byte strings) and joined
// without separator. The URL-verification and webhook "signature" is
// Signature(token, timestamp, nonce); "msg_signature" is
// Signature(token, timestamp, nonce, encrypt).
func Signature(parts ...string) string {
	sum, _ := sortedSum(parts, nil)
	return hex.EncodeToString(sum[:])
}

// sortedSum returns the SHA-1 of parts sorted byte-wise and joined. The
// join is made in buf's storage (grown when too small, and returned for
// reuse), or on the stack when buf is nil; parts is not reordered.
func sortedSum[T string | []byte](parts []T, buf []byte) ([sha1.Size]byte, []byte) {
	var arr [4]T
	s := arr[:0]
	if len(parts) <= len(arr) {
		s = append(s, parts...)
	} else {
		s = make([]T, len(parts))
		copy(s, parts)
	}
	for i := 1; i < len(s); i++ { // insertion sort: three or four parts
		for j := i; j > 0 && string(s[j]) < string(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	if buf == nil {
		var stack [128]byte
		b := stack[:0]
		for _, p := range s {
			b = append(b, p...)
		}
		return sha1.Sum(b), nil
	}
	b := buf[:0]
	for _, p := range s {
		b = append(b, p...)
	}
	return sha1.Sum(b), b[:0]
}

// sortedSumBytes is sortedSum of byte slices, written out: called through
// the generic function's dictionary, the parts would escape to the heap
// (and with them the caller's stack buffers of a push's timestamp and
// nonce).
func sortedSumBytes(parts [][]byte, buf []byte) ([sha1.Size]byte, []byte) {
	// The order is sorted as indexes, so that no copy of the parts goes to
	// the heap.
	var arr [4]int
	idx := arr[:0]
	if len(parts) > len(arr) {
		idx = make([]int, 0, len(parts))
	}
	for i := range parts {
		idx = append(idx, i)
	}
	for i := 1; i < len(idx); i++ { // insertion sort: three or four parts
		for j := i; j > 0 && string(parts[idx[j]]) < string(parts[idx[j-1]]); j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	if buf == nil {
		var stack [128]byte
		b := stack[:0]
		for _, i := range idx {
			b = append(b, parts[i]...)
		}
		return sha1.Sum(b), nil
	}
	b := buf[:0]
	for _, i := range idx {
		b = append(b, parts[i]...)
	}
	return sha1.Sum(b), b[:0]
}

// signatureEqual compares two hex signatures in constant time.
func signatureEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// AESKey decodes an EncodingAESKey: base64 of key + "=", which must give
// 32 bytes.
func AESKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != 43 {
		return nil, fmt.Errorf("%w: got %d characters", ErrAESKey, len(encodingAESKey))
	}
	k, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("%w: %q", ErrAESKey, encodingAESKey)
	}
	return k, nil
}

// Encrypt builds WeChat's Encrypt text for msg: base64 of
// AES-256-CBC(key, IV = key[:16]) over random (16 bytes) + len(msg) as a
// 4-byte big-endian integer + msg + appID, PKCS#7-padded to a multiple of
// 32 bytes. key is the 43-character EncodingAESKey.
func Encrypt(key, appID string, random []byte, msg []byte) (string, error) {
	k, err := AESKey(key)
	if err != nil {
		return "", err
	}
	if len(random) != 16 {
		return "", fmt.Errorf("wechat: encrypt: random prefix must be 16 bytes, got %d", len(random))
	}
	n := 20 + len(msg) + len(appID)
	pad := blockPad - n%blockPad
	buf := make([]byte, n+pad)
	copy(buf, random)
	binary.BigEndian.PutUint32(buf[16:], uint32(len(msg)))
	copy(buf[20:], msg)
	copy(buf[20+len(msg):], appID)
	for i := n; i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return "", fmt.Errorf("wechat: encrypt: %w", err)
	}
	cipher.NewCBCEncrypter(block, k[:aes.BlockSize]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// cbcMode is a pooled AES-CBC mode of a Server's key; SetIV restarts it.
type cbcMode interface {
	cipher.BlockMode
	SetIV([]byte)
}

// appendEncrypt appends [Encrypt] of msg under the server's key to dst: the
// same bytes, without deriving the key again and, with scratch (returned
// for reuse) holding the plaintext, without allocating.
func (s *Server) appendEncrypt(dst []byte, random *[16]byte, msg, scratch []byte) ([]byte, []byte) {
	appID := s.cfg.AppID
	n := 20 + len(msg) + len(appID)
	pad := blockPad - n%blockPad
	buf := append(scratch[:0], random[:]...)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(msg)))
	buf = append(buf, msg...)
	buf = append(buf, appID...)
	for range pad {
		buf = append(buf, byte(pad))
	}
	iv := s.aesKey[:aes.BlockSize]
	var m cipher.BlockMode
	if v, ok := s.cbcPool.Get().(cbcMode); ok {
		v.SetIV(iv)
		m = v
	} else {
		m = cipher.NewCBCEncrypter(s.block, iv)
	}
	m.CryptBlocks(buf, buf)
	if v, ok := m.(cbcMode); ok {
		s.cbcPool.Put(v)
	}
	return headmac.AppendBase64(dst, buf), buf[:0]
}

// Decrypt reverses [Encrypt]: it returns the message of an Encrypt text
// after checking the padding, the length field and that the trailing AppID
// equals appID. Errors wrap ErrAESKey, ErrBase64, ErrCiphertext, ErrBuffer
// or ErrAppID.
func Decrypt(key, appID, encrypted string) ([]byte, error) {
	k, err := AESKey(key)
	if err != nil {
		return nil, err
	}
	ct, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBase64, err)
	}
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: %d bytes", ErrCiphertext, len(ct))
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("wechat: decrypt: %w", err)
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, k[:aes.BlockSize]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > blockPad || pad > len(pt) {
		return nil, fmt.Errorf("%w: padding byte %d", ErrBuffer, pad)
	}
	for _, c := range pt[len(pt)-pad:] {
		if int(c) != pad {
			return nil, fmt.Errorf("%w: inconsistent padding", ErrBuffer)
		}
	}
	pt = pt[:len(pt)-pad]
	if len(pt) < 20 {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the 20-byte header", ErrBuffer, len(pt))
	}
	n := binary.BigEndian.Uint32(pt[16:20])
	if uint64(n) > uint64(len(pt)-20) {
		return nil, fmt.Errorf("%w: message length %d beyond the %d bytes left", ErrBuffer, n, len(pt)-20)
	}
	msg, app := pt[20:20+n], pt[20+n:]
	if string(app) != appID {
		return nil, fmt.Errorf("%w: got %q, want %q", ErrAppID, app, appID)
	}
	return msg, nil
}

// Codes of WeChat's WXBizMsgCrypt SDK, journaled for refused passive
// replies.
const (
	CodeSDKSignature  = -40001 // ValidateSignatureError
	CodeSDKParseXML   = -40002 // ParseXmlError
	CodeSDKAESKey     = -40004 // IllegalAesKey
	CodeSDKAppID      = -40005 // ValidateAppidError
	CodeSDKDecryptAES = -40007 // DecryptAESError
	CodeSDKBuffer     = -40008 // IllegalBuffer
	CodeSDKBase64     = -40010 // DecodeBase64Error
)

// sdkCode maps a Decrypt error to its SDK code.
func sdkCode(err error) int {
	switch {
	case errors.Is(err, ErrAESKey):
		return CodeSDKAESKey
	case errors.Is(err, ErrBase64):
		return CodeSDKBase64
	case errors.Is(err, ErrCiphertext):
		return CodeSDKDecryptAES
	case errors.Is(err, ErrAppID):
		return CodeSDKAppID
	}
	return CodeSDKBuffer
}
