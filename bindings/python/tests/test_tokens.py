"""Mercado Livre's rotating tokens from Python: a refreshed pair reaches the ERP's callback
before Ponte uses it, and a callback that fails keeps Ponte from using the pair."""

import os
import tempfile
import unittest
import urllib.request

import ponte


class CredentialsCallbackTest(unittest.TestCase):
    def test_a_refreshed_pair_reaches_the_callback_and_a_failed_save_keeps_it_unused(self):
        with ponte.Sandbox(platform="mercadolivre") as seller, tempfile.TemporaryDirectory() as tmp, \
                ponte.Ponte(os.path.join(tmp, "ponte.db")) as handle:
            config = seller.integration_config("ml", locale="en")
            # The ERP's saved pair says the access token has expired: the first use refreshes.
            config["credentials"]["access_token_expires_at"] = "2026-01-01T00:00:00Z"
            saved = []

            def refuse(integration, credentials):
                raise OSError("the ERP's database is locked")

            handle.set_credentials_callback(refuse)
            handle.integration_put(config)
            check = handle.integration_check("ml")
            self.assertFalse(check["ok"])
            self.assertIn("did not save", str(check["items"]))

            handle.set_credentials_callback(lambda integration, credentials: saved.append((integration, credentials)))
            self.assertTrue(handle.integration_check("ml")["ok"])
            self.assertEqual(len(saved), 1)
            integration, credentials = saved[0]
            self.assertEqual(integration, "ml")
            self.assertNotEqual(credentials["refresh_token"], config["credentials"]["refresh_token"])
            self.assertTrue(credentials["access_token_expires_at"].endswith("Z"))

            # Without a callback nothing is refreshed at all.
            handle.set_credentials_callback(None)
            urllib.request.urlopen(urllib.request.Request(
                seller.info["control_url"] + "/expire", method="POST", data=b""), timeout=10).close()
            with self.assertRaises(ponte.AuthError) as caught:
                handle.capture_orders("ml")
            self.assertIn("no credentials callback", caught.exception.message)


if __name__ == "__main__":
    unittest.main()
