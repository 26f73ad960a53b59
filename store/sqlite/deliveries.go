package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/faroai/faro/store"
)

const deliveryColumns = `message_id, part, channel, platform_message_id, status, detail, attempts, updated_at`

// RecordDelivery creates or replaces the delivery (d.MessageID, d.Part).
func (db *DB) RecordDelivery(ctx context.Context, d store.Delivery) (store.Delivery, error) {
	op := fmt.Sprintf("record delivery %s/%d", d.MessageID, d.Part)
	d, err := store.CheckDelivery(d)
	if err != nil {
		return d, wrap(op, err)
	}
	d.UpdatedAt = now()
	err = db.write(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM messages WHERE id = ?`, d.MessageID).Scan(&one); err != nil {
			if err == sql.ErrNoRows {
				return notFound("message %q", d.MessageID)
			}
			return err
		}
		if d.PlatformMessageID != "" {
			var other string
			err := tx.QueryRowContext(ctx, `SELECT message_id FROM deliveries WHERE channel = ? AND platform_message_id = ?
				AND NOT (message_id = ? AND part = ?)`, d.Channel, d.PlatformMessageID, d.MessageID, d.Part).Scan(&other)
			if err == nil {
				return conflict("platform message id %q belongs to a delivery of message %q", d.PlatformMessageID, other)
			}
			if err != sql.ErrNoRows {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO deliveries (`+deliveryColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (message_id, part) DO UPDATE SET channel = excluded.channel,
			platform_message_id = excluded.platform_message_id, status = excluded.status, detail = excluded.detail,
			attempts = excluded.attempts, updated_at = excluded.updated_at`,
			d.MessageID, d.Part, d.Channel, d.PlatformMessageID, string(d.Status), d.Detail, d.Attempts, toNanos(d.UpdatedAt))
		return err
	})
	if err != nil {
		return store.Delivery{}, wrap(op, err)
	}
	return d, nil
}

// DeliveryByPlatformID returns ErrNotFound if none, and for an empty id.
func (db *DB) DeliveryByPlatformID(ctx context.Context, channel, platformMessageID string) (store.Delivery, error) {
	op := fmt.Sprintf("delivery %s/%q", channel, platformMessageID)
	if platformMessageID == "" {
		return store.Delivery{}, wrap(op, sql.ErrNoRows)
	}
	ds, err := queryDeliveries(ctx, db.sql, `WHERE channel = ? AND platform_message_id = ?`, channel, platformMessageID)
	if err == nil && len(ds) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return store.Delivery{}, wrap(op, err)
	}
	return ds[0], nil
}

// Deliveries lists a message's deliveries by part.
func (db *DB) Deliveries(ctx context.Context, messageID string) ([]store.Delivery, error) {
	ds, err := queryDeliveries(ctx, db.sql, `WHERE message_id = ? ORDER BY part`, messageID)
	if err != nil {
		return nil, wrap(fmt.Sprintf("deliveries of %q", messageID), err)
	}
	return ds, nil
}

func queryDeliveries(ctx context.Context, q querier, where string, args ...any) ([]store.Delivery, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.Delivery{}
	for rows.Next() {
		var (
			d      store.Delivery
			status string
			at     int64
		)
		if err := rows.Scan(&d.MessageID, &d.Part, &d.Channel, &d.PlatformMessageID, &status, &d.Detail, &d.Attempts, &at); err != nil {
			return nil, err
		}
		d.Status, d.UpdatedAt = store.DeliveryStatus(status), fromNanos(at)
		out = append(out, d)
	}
	return out, rows.Err()
}
