package inbox

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/omnisim/omnisim/router"
)

// MaxImages is the most images a quick reply may hold (the document: at
// most 10).
const MaxImages = 10

// NamePlaceholder is replaced by the customer's display name when a quick
// reply or an auto-reply is rendered. It is the only placeholder; any other
// text in braces is kept as written.
const NamePlaceholder = "{name}"

// QuickReply is a saved reply: a title for the agent's picker, a body with
// the {name} parameter, and up to [MaxImages] images.
type QuickReply struct {
	ID     string // given by [Inbox.SaveQuickReply] when empty
	Title  string // required
	Body   string // required; {name} is the customer's name
	Images []router.Attachment
}

// Validate checks a quick reply: the title and the body are required (not
// blank), there are at most [MaxImages] images, and each attachment is an
// image (Kind "image", or empty, taken as image).
func (q QuickReply) Validate() error {
	if strings.TrimSpace(q.Title) == "" {
		return ErrTitleRequired
	}
	if strings.TrimSpace(q.Body) == "" {
		return ErrBodyRequired
	}
	if len(q.Images) > MaxImages {
		return fmt.Errorf("%w: %d, at most %d", ErrTooManyImages, len(q.Images), MaxImages)
	}
	for j, a := range q.Images {
		if a.Kind != "" && a.Kind != "image" {
			return fmt.Errorf("%w: attachment %d is %q", ErrNotImage, j+1, a.Kind)
		}
	}
	return nil
}

func (q QuickReply) clone() QuickReply {
	q.Images = slices.Clone(q.Images)
	for j := range q.Images {
		q.Images[j].Kind = "image"
	}
	return q
}

// SaveQuickReply validates and saves a quick reply: a new one when its ID
// is empty (the inbox names it q1, q2, ...), or in place of the one with
// its ID. It returns the reply as saved.
func (i *Inbox) SaveQuickReply(q QuickReply) (QuickReply, error) {
	if err := q.Validate(); err != nil {
		return QuickReply{}, err
	}
	q = q.clone()
	i.mu.Lock()
	defer i.mu.Unlock()
	if q.ID == "" {
		for {
			i.quickN++
			q.ID = "q" + strconv.Itoa(i.quickN)
			if _, taken := i.quick[q.ID]; !taken {
				break
			}
		}
	}
	if _, ok := i.quick[q.ID]; !ok {
		i.quickOrder = append(i.quickOrder, q.ID)
	}
	i.quick[q.ID] = q
	return q.clone(), nil
}

// QuickReply returns a saved quick reply.
func (i *Inbox) QuickReply(id string) (QuickReply, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	q, ok := i.quick[id]
	return q.clone(), ok
}

// QuickReplies returns the saved quick replies in the order they were
// first saved.
func (i *Inbox) QuickReplies() []QuickReply {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := make([]QuickReply, 0, len(i.quickOrder))
	for _, id := range i.quickOrder {
		out = append(out, i.quick[id].clone())
	}
	return out
}

// DeleteQuickReply deletes a saved quick reply; false when there was none.
func (i *Inbox) DeleteQuickReply(id string) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	if _, ok := i.quick[id]; !ok {
		return false
	}
	delete(i.quick, id)
	i.quickOrder = slices.DeleteFunc(i.quickOrder, func(x string) bool { return x == id })
	return true
}

// RenderText replaces every {name} in body with name.
func RenderText(body, name string) string {
	return strings.ReplaceAll(body, NamePlaceholder, name)
}

// RenderQuickReply turns a quick reply into the messages to send, in
// order: the body as a text message ({name} replaced by name), then one
// attachment message per image, or only the first image when firstImageOnly
// (the web shop's store and order messages take only the first).
func RenderQuickReply(q QuickReply, name string, firstImageOnly bool) ([]router.Outbound, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	q = q.clone()
	out := []router.Outbound{{Kind: router.KindText, Text: RenderText(q.Body, name)}}
	imgs := q.Images
	if firstImageOnly && len(imgs) > 1 {
		imgs = imgs[:1]
	}
	for j := range imgs {
		a := imgs[j]
		out = append(out, router.Outbound{Kind: router.KindAttachment, Attachment: &a})
	}
	return out, nil
}

// Render renders a quick reply for conversation id: {name} becomes the
// customer's display name ([Config.UnknownName] when unknown), and on a
// channel kind listed in [Config.FirstImageOnly] only the first image is
// kept. channelKind "" means the conversation's channel name. The inbox
// sends nothing: the caller sends the messages through the engine.
func (i *Inbox) Render(q QuickReply, id router.ConversationID, channelKind string) ([]router.Outbound, error) {
	i.mu.Lock()
	c := i.convs[id]
	if c == nil {
		i.mu.Unlock()
		return nil, fmt.Errorf("%w %v", ErrUnknownConversation, id)
	}
	name := c.cust.name
	if channelKind == "" {
		channelKind = c.cust.key.Channel
	}
	i.mu.Unlock()
	if name == "" {
		name = i.cfg.UnknownName
	}
	return RenderQuickReply(q, name, slices.Contains(i.cfg.FirstImageOnly, channelKind))
}
