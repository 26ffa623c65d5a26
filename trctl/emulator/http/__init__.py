"""The wire layer: sockets, requests and answers in Twilio's format; never SQL."""
