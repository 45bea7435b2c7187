package proto

import (
	"errors"
	"fmt"
)

// Control bytes of the link.
const (
	ENQ byte = 0x05
	STX byte = 0x02
	ACK byte = 0x06
	NAK byte = 0x15
)

// MaxBody is the largest CMD+DATA a frame can carry (LEN is one byte).
const MaxBody = 255

var (
	ErrFrameTooLong = errors.New("shtrih: frame body over 255 bytes")
	ErrNoSTX        = errors.New("shtrih: frame does not start with STX")
	ErrShortFrame   = errors.New("shtrih: frame shorter than its LEN")
	ErrBadLRC       = errors.New("shtrih: frame LRC mismatch")
	ErrEmptyFrame   = errors.New("shtrih: frame has no command")
)

// LRC is the XOR of LEN and every byte of the body (CMD+DATA).
func LRC(body []byte) byte {
	x := byte(len(body))
	for _, b := range body {
		x ^= b
	}
	return x
}

// AppendFrame appends STX LEN body LRC to dst. body is CMD (1 or 2 bytes) + DATA.
func AppendFrame(dst, body []byte) ([]byte, error) {
	if len(body) == 0 {
		return dst, ErrEmptyFrame
	}
	if len(body) > MaxBody {
		return dst, ErrFrameTooLong
	}
	dst = append(dst, STX, byte(len(body)))
	dst = append(dst, body...)
	return append(dst, LRC(body)), nil
}

// DecodeFrame parses one complete frame and returns its body (CMD+DATA),
// aliasing b. It checks STX, LEN against the bytes present and the LRC;
// trailing bytes after the LRC are an error.
func DecodeFrame(b []byte) ([]byte, error) {
	if len(b) == 0 || b[0] != STX {
		return nil, ErrNoSTX
	}
	if len(b) < 2 {
		return nil, ErrShortFrame
	}
	n := int(b[1])
	if n == 0 {
		return nil, ErrEmptyFrame
	}
	if len(b) < 3+n {
		return nil, ErrShortFrame
	}
	if len(b) > 3+n {
		return nil, fmt.Errorf("shtrih: %d bytes after the frame", len(b)-3-n)
	}
	body := b[2 : 2+n]
	if got, want := b[2+n], LRC(body); got != want {
		return nil, fmt.Errorf("%w: got %02X, want %02X", ErrBadLRC, got, want)
	}
	return body, nil
}

// Command is a command code. Two-byte codes are FFxx and travel FF first.
type Command uint16

// Len is how many bytes the code takes on the wire.
func (c Command) Len() int {
	if c > 0xFF {
		return 2
	}
	return 1
}

// Append writes the code as it travels: FF46h -> FF 46.
func (c Command) Append(dst []byte) []byte {
	if c > 0xFF {
		return append(dst, byte(c>>8), byte(c))
	}
	return append(dst, byte(c))
}

func (c Command) String() string {
	if c > 0xFF {
		return fmt.Sprintf("%04Xh", uint16(c))
	}
	return fmt.Sprintf("%02Xh", uint16(c))
}

// SplitCommand reads the command code at the start of a body.
func SplitCommand(body []byte) (Command, []byte, error) {
	if len(body) == 0 {
		return 0, nil, ErrEmptyFrame
	}
	if body[0] == 0xFF {
		if len(body) < 2 {
			return 0, nil, ErrShortFrame
		}
		return Command(0xFF00 | uint16(body[1])), body[2:], nil
	}
	return Command(body[0]), body[1:], nil
}
