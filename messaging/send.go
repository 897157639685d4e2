package messaging

import (
	"context"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/notifier"
)

// duplicateWindow: the same text from the same sender within it is refused.
const duplicateWindow = 10 * time.Minute

// notifyWindow: an offline member with an unread notification of the
// conversation this recent is not notified again.
const notifyWindow = 30 * time.Minute

// Messages are the direct-message use cases. Build one per process: its
// locks make the offline check and notification one step per conversation.
type Messages struct {
	Store  *store.Store
	Hub    *realtime.Hub
	Notify *notifier.Notifier
	Log    *slog.Logger
	Now    func() time.Time

	notifyLocks [256]sync.Mutex // striped by conversation: see notifyOffline
}

// Send is a message as its sender wrote it.
type Send struct {
	ConversationID uuid.UUID
	SenderID       uuid.UUID
	SenderRole     models.Role
	Body           string // raw: Send sanitizes it
	Attachments    []uuid.UUID
	IdempotencyKey string // "": none; a retry with the same key returns the first message
}

// Send checks and stores a message. A fresh one is published to its room
// as the event render builds from it (an error from render fails the send
// before anything is published) and its recipient, when offline, is
// notified in the background; a replay (same idempotency key) publishes
// and notifies nothing.
func (m *Messages) Send(ctx context.Context, in Send, render func(*store.Sent) (realtime.Event, error)) (*store.Sent, error) {
	text, hash, err := Text(in.Body)
	if err != nil {
		return nil, err
	}
	if text == "" && len(in.Attachments) == 0 {
		return nil, models.FieldError("body", "a message needs text or an attachment")
	}
	row := store.Send{ConversationID: in.ConversationID, SenderID: in.SenderID, SenderRole: in.SenderRole,
		Body: text, BodyHash: hash, Attachments: in.Attachments, DuplicateWindow: duplicateWindow, Now: m.Now()}
	if in.IdempotencyKey != "" {
		row.IdempotencyKey = &in.IdempotencyKey
	}
	sent, err := m.Store.SendMessage(ctx, row)
	if err != nil || sent.Replayed {
		return sent, err
	}
	ev, err := render(sent)
	if err != nil {
		return nil, err
	}
	m.Publish(ctx, in.ConversationID, ev)
	// The notification is not part of the answer: a first message to an
	// offline member signals their inbox workflow, which would put a
	// Temporal round trip into the send's tail latency.
	go func() {
		nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		m.notifyOffline(nctx, sent, in.SenderID)
	}()
	return sent, nil
}

// Publish sends an event to a conversation's room; the database already
// holds what it tells, so a failure is only a late update.
func (m *Messages) Publish(ctx context.Context, conversation uuid.UUID, ev realtime.Event) {
	if _, err := m.Hub.Publish(ctx, realtime.ConversationRoom(conversation.String()), ev); err != nil {
		m.Log.WarnContext(ctx, "conversation event not published", "type", ev.Type, "error", err)
	}
}

// notifyOffline tells the recipient through the notification path when
// none of their sockets is online and the conversation is not muted; a
// conversation notifies once until read (the inbox groups by
// conversation), not once per message.
func (m *Messages) notifyOffline(ctx context.Context, sent *store.Sent, from uuid.UUID) {
	to, msg := sent.Recipient.UserID, sent.Message
	if sent.Recipient.Muted {
		return
	}
	// The check and the notification are one step per conversation in this
	// process; instances may still both notify in the same instant.
	lock := &m.notifyLocks[sent.Conv.ID[15]]
	lock.Lock()
	defer lock.Unlock()
	online, err := m.Hub.Presence(ctx, []string{to.String()})
	if err != nil || online[to.String()] {
		return
	}
	group := realtime.ConversationRoom(sent.Conv.ID.String())
	if done, err := m.Store.Notified(ctx, to, group, msg.CreatedAt.Add(-notifyWindow)); err != nil || done {
		return
	}
	sender, err := m.Store.UserByID(ctx, from)
	if err != nil {
		return
	}
	preview := msg.Body
	if utf8.RuneCountInString(preview) > 140 {
		preview = string([]rune(preview)[:140]) + "…"
	}
	if _, err := m.Notify.Send(ctx, notify.Notification{UserID: to, Category: "message", GroupKey: group,
		Title: "New message from " + sender.DisplayName, Body: preview,
		Data: map[string]any{"conversation_id": sent.Conv.ID.String(), "message_id": msg.ID.String()}}); err != nil {
		m.Log.WarnContext(ctx, "message notification not sent", "message_id", msg.ID, "error", err)
	}
}
