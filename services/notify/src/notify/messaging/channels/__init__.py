"""The ways a notification leaves: email over SMTP, SMS through a gateway, signed webhooks."""
