package whatsapp

import (
	"context"
	"errors"
	"fmt"

	"github.com/faroai/faro/store"
)

// Contacts is what linking needs of the store; store.Store implements it.
type Contacts interface {
	ContactByIdentity(ctx context.Context, id store.Identity) (store.Contact, error)
	ContactByPhone(ctx context.Context, phone string) (store.Contact, error)
	LinkIdentity(ctx context.Context, contactID string, id store.Identity) error
}

// Linker links a WhatsApp sender to the contact that has their phone.
// WhatsApp verified the number when the person registered it, so a wa_id
// equal to a contact's phone is that contact confirming it is them ("the
// same phone"); nothing a person types (an email, a number) ever links.
type Linker struct {
	contacts Contacts
}

// NewLinker returns a Linker over contacts.
func NewLinker(contacts Contacts) *Linker { return &Linker{contacts: contacts} }

// Link gives sender, whose verified number is waID, to the one contact
// with that phone, if the sender has no contact yet. No contact, or
// several with that phone, links nothing: the turn then makes a new one.
func (l *Linker) Link(ctx context.Context, sender store.Identity, waID string) error {
	_, err := l.contacts.ContactByIdentity(ctx, sender)
	if err == nil {
		return nil // known already
	}
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("whatsapp: link %s: %w", waID, err)
	}
	c, err := l.contacts.ContactByPhone(ctx, waID)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("whatsapp: link %s: %w", waID, err)
	}
	err = l.contacts.LinkIdentity(ctx, c.ID, sender)
	if errors.Is(err, store.ErrConflict) {
		return nil // a message of the same sender made its contact meanwhile
	}
	if err != nil {
		return fmt.Errorf("whatsapp: link %s to contact %s: %w", waID, c.ID, err)
	}
	return nil
}
