/*
 * check_stripe_event.c: webhook bodies shaped as Stripe sends them (every
 * event type the webhook acts on, Connect events, expanded objects) and
 * the bodies it must refuse or read warily: malformed or deep JSON, bad
 * UTF-8, bad ids, wrong types, amounts that are not whole and positive.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "arena.h"
#include "stripe_event.h"

#define ORDER	"3f1c2a9e-8b4d-4e6f-9a1b-2c3d4e5f6a7b"
#define STORE	"9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"

static struct arena		*a;
static struct stripe_event	 ev;
static const char		*errstr;

static void
setup(void)
{
	a = arena_new();
	errstr = NULL;
}

static void
teardown(void)
{
	arena_free(a);
}

/* Parse a NUL-terminated body. */
static int
parse(const char *body)
{
	errstr = NULL;
	return stripe_event_parse(a, body, strlen(body), &ev, &errstr);
}

/*
 * An event envelope as Stripe POSTs it (API version 2024-06-20) around
 * data.object obj; account is the Connect "account" member or NULL.
 */
static const char *
wrap(const char *type, const char *account, const char *obj)
{
	return arena_printf(a,
	    "{\n"
	    "  \"id\": \"evt_1PxYzAB2cD3eF4gH5iJ6kL7m\",\n"
	    "  \"object\": \"event\",\n"
	    "%s%s%s"
	    "  \"api_version\": \"2024-06-20\",\n"
	    "  \"created\": 1718000000,\n"
	    "  \"data\": {\n"
	    "    \"object\": %s,\n"
	    "    \"previous_attributes\": {}\n"
	    "  },\n"
	    "  \"livemode\": false,\n"
	    "  \"pending_webhooks\": 1,\n"
	    "  \"request\": {\n"
	    "    \"id\": null,\n"
	    "    \"idempotency_key\": null\n"
	    "  },\n"
	    "  \"type\": \"%s\"\n"
	    "}\n",
	    account != NULL ? "  \"account\": \"" : "",
	    account != NULL ? account : "", account != NULL ? "\",\n" : "",
	    obj, type);
}

/* A completed Checkout Session, as in Stripe's API reference. */
#define CHECKOUT_SESSION(pi, status, md, cd) \
	"{\n" \
	"  \"id\": \"cs_test_a1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWxYz\",\n" \
	"  \"object\": \"checkout.session\",\n" \
	"  \"after_expiration\": null,\n" \
	"  \"allow_promotion_codes\": null,\n" \
	"  \"amount_subtotal\": 2299,\n" \
	"  \"amount_total\": 2069,\n" \
	"  \"automatic_tax\": {\"enabled\": false, \"liability\": null, " \
	"\"status\": null},\n" \
	"  \"billing_address_collection\": null,\n" \
	"  \"cancel_url\": \"https://shop.example/cart\",\n" \
	"  \"client_reference_id\": \"" ORDER "\",\n" \
	"  \"client_secret\": null,\n" \
	"  \"consent\": null,\n" \
	"  \"created\": 1717996400,\n" \
	"  \"currency\": \"eur\",\n" \
	"  \"custom_fields\": [],\n" \
	"  \"custom_text\": {\"after_submit\": null, " \
	"\"shipping_address\": null, \"submit\": null, " \
	"\"terms_of_service_acceptance\": null},\n" \
	"  \"customer\": null,\n" \
	"  \"customer_creation\": \"if_required\",\n" \
	"  \"customer_details\": " cd ",\n" \
	"  \"customer_email\": \"ana+fallback@example.com\",\n" \
	"  \"expires_at\": 1718082800,\n" \
	"  \"invoice\": null,\n" \
	"  \"livemode\": false,\n" \
	"  \"locale\": null,\n" \
	"  \"metadata\": " md ",\n" \
	"  \"mode\": \"payment\",\n" \
	"  \"payment_intent\": " pi ",\n" \
	"  \"payment_link\": null,\n" \
	"  \"payment_method_collection\": \"if_required\",\n" \
	"  \"payment_method_types\": [\"card\"],\n" \
	"  \"payment_status\": \"" status "\",\n" \
	"  \"phone_number_collection\": {\"enabled\": false},\n" \
	"  \"recovered_from\": null,\n" \
	"  \"setup_intent\": null,\n" \
	"  \"shipping_address_collection\": null,\n" \
	"  \"shipping_cost\": null,\n" \
	"  \"shipping_details\": null,\n" \
	"  \"shipping_options\": [],\n" \
	"  \"status\": \"complete\",\n" \
	"  \"submit_type\": null,\n" \
	"  \"subscription\": null,\n" \
	"  \"success_url\": \"https://shop.example/thanks\",\n" \
	"  \"total_details\": {\"amount_discount\": 230, " \
	"\"amount_shipping\": 0, \"amount_tax\": 0},\n" \
	"  \"ui_mode\": \"hosted\",\n" \
	"  \"url\": null\n" \
	"}"

#define MD_OURS	"{\"order_id\": \"" ORDER "\", \"store_id\": \"" STORE "\"}"
#define CD_ANA \
	"{\"address\": {\"city\": null, \"country\": \"ES\", \"line1\": null, " \
	"\"line2\": null, \"postal_code\": null, \"state\": null}, " \
	"\"email\": \"ana@example.com\", \"name\": \"Ana Pérez\", " \
	"\"phone\": null, \"tax_exempt\": \"none\", \"tax_ids\": []}"

/* A PaymentIntent, as in Stripe's API reference. */
#define PAYMENT_INTENT(status, amount, lpe) \
	"{\n" \
	"  \"id\": \"pi_3MtwBwLkdIwHu7ix28a3tqPa\",\n" \
	"  \"object\": \"payment_intent\",\n" \
	"  \"amount\": " amount ",\n" \
	"  \"amount_capturable\": 0,\n" \
	"  \"amount_details\": {\"tip\": {}},\n" \
	"  \"amount_received\": 2000,\n" \
	"  \"application\": null,\n" \
	"  \"application_fee_amount\": null,\n" \
	"  \"automatic_payment_methods\": {\"enabled\": true},\n" \
	"  \"canceled_at\": null,\n" \
	"  \"cancellation_reason\": null,\n" \
	"  \"capture_method\": \"automatic\",\n" \
	"  \"client_secret\": " \
	"\"pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH\",\n" \
	"  \"confirmation_method\": \"automatic\",\n" \
	"  \"created\": 1680800504,\n" \
	"  \"currency\": \"usd\",\n" \
	"  \"customer\": null,\n" \
	"  \"description\": null,\n" \
	"  \"invoice\": null,\n" \
	"  \"last_payment_error\": " lpe ",\n" \
	"  \"latest_charge\": \"ch_3MtwBwLkdIwHu7ix28a3tqPa\",\n" \
	"  \"livemode\": false,\n" \
	"  \"metadata\": " MD_OURS ",\n" \
	"  \"next_action\": null,\n" \
	"  \"on_behalf_of\": null,\n" \
	"  \"payment_method\": \"pm_1MtwBwLkdIwHu7ixik4Gk4Wv\",\n" \
	"  \"payment_method_options\": {\"card\": {\"installments\": null, " \
	"\"mandate_options\": null, \"network\": null, " \
	"\"request_three_d_secure\": \"automatic\"}},\n" \
	"  \"payment_method_types\": [\"card\"],\n" \
	"  \"processing\": null,\n" \
	"  \"receipt_email\": null,\n" \
	"  \"review\": null,\n" \
	"  \"setup_future_usage\": null,\n" \
	"  \"shipping\": null,\n" \
	"  \"source\": null,\n" \
	"  \"statement_descriptor\": null,\n" \
	"  \"statement_descriptor_suffix\": null,\n" \
	"  \"status\": \"" status "\",\n" \
	"  \"transfer_data\": null,\n" \
	"  \"transfer_group\": null\n" \
	"}"

/* A refunded Charge. */
#define CHARGE(amount, refunded) \
	"{\n" \
	"  \"id\": \"ch_3MmlLrLkdIwHu7ix0snN0B15\",\n" \
	"  \"object\": \"charge\",\n" \
	"  \"amount\": " amount ",\n" \
	"  \"amount_captured\": 1099,\n" \
	"  \"amount_refunded\": " refunded ",\n" \
	"  \"application\": null,\n" \
	"  \"application_fee\": null,\n" \
	"  \"application_fee_amount\": null,\n" \
	"  \"balance_transaction\": \"txn_3MmlLrLkdIwHu7ix0uke3Ezy\",\n" \
	"  \"billing_details\": {\"address\": {\"city\": null, " \
	"\"country\": null, \"line1\": null, \"line2\": null, " \
	"\"postal_code\": null, \"state\": null}, \"email\": null, " \
	"\"name\": null, \"phone\": null},\n" \
	"  \"calculated_statement_descriptor\": \"Stripe\",\n" \
	"  \"captured\": true,\n" \
	"  \"created\": 1679090539,\n" \
	"  \"currency\": \"usd\",\n" \
	"  \"customer\": null,\n" \
	"  \"description\": null,\n" \
	"  \"disputed\": false,\n" \
	"  \"failure_code\": null,\n" \
	"  \"failure_message\": null,\n" \
	"  \"fraud_details\": {},\n" \
	"  \"livemode\": false,\n" \
	"  \"metadata\": " MD_OURS ",\n" \
	"  \"outcome\": {\"network_status\": \"approved_by_network\", " \
	"\"reason\": null, \"risk_level\": \"normal\", \"risk_score\": 32, " \
	"\"seller_message\": \"Payment complete.\", \"type\": \"authorized\"},\n" \
	"  \"paid\": true,\n" \
	"  \"payment_intent\": \"pi_3MmlLrLkdIwHu7ix0Ae3yl8U\",\n" \
	"  \"payment_method\": \"pm_1MmlLrLkdIwHu7ixS0M6C3Ft\",\n" \
	"  \"receipt_url\": \"https://pay.stripe.com/receipts/payment/x\",\n" \
	"  \"refunded\": true,\n" \
	"  \"review\": null,\n" \
	"  \"shipping\": null,\n" \
	"  \"source_transfer\": null,\n" \
	"  \"statement_descriptor\": null,\n" \
	"  \"status\": \"succeeded\",\n" \
	"  \"transfer_data\": null,\n" \
	"  \"transfer_group\": null\n" \
	"}"

/* A Dispute; charge may be expanded. */
#define DISPUTE(charge, status) \
	"{\n" \
	"  \"id\": \"dp_1MtJUT2eZvKYlo2CNaw2HvEv\",\n" \
	"  \"object\": \"dispute\",\n" \
	"  \"amount\": 1000,\n" \
	"  \"balance_transactions\": [],\n" \
	"  \"charge\": " charge ",\n" \
	"  \"created\": 1680651737,\n" \
	"  \"currency\": \"usd\",\n" \
	"  \"evidence\": {\"access_activity_log\": null, " \
	"\"billing_address\": null, \"customer_email_address\": null, " \
	"\"uncategorized_text\": null},\n" \
	"  \"evidence_details\": {\"due_by\": 1682294399, " \
	"\"has_evidence\": false, \"past_due\": false, " \
	"\"submission_count\": 0},\n" \
	"  \"is_charge_refundable\": true,\n" \
	"  \"livemode\": false,\n" \
	"  \"metadata\": {},\n" \
	"  \"payment_intent\": \"pi_1Gt0u72eZvKYlo2CeZrzsn8r\",\n" \
	"  \"reason\": \"general\",\n" \
	"  \"status\": \"" status "\"\n" \
	"}"

/* An Express connected account after onboarding. */
#define ACCOUNT \
	"{\n" \
	"  \"id\": \"acct_1Nv0FGQ9RKHgCVdK\",\n" \
	"  \"object\": \"account\",\n" \
	"  \"business_profile\": {\"mcc\": null, \"name\": null, " \
	"\"support_email\": null, \"url\": null},\n" \
	"  \"business_type\": null,\n" \
	"  \"capabilities\": {\"card_payments\": \"active\", " \
	"\"transfers\": \"active\"},\n" \
	"  \"charges_enabled\": true,\n" \
	"  \"controller\": {\"is_controller\": true, \"type\": " \
	"\"application\"},\n" \
	"  \"country\": \"US\",\n" \
	"  \"created\": 1695830751,\n" \
	"  \"default_currency\": \"usd\",\n" \
	"  \"details_submitted\": true,\n" \
	"  \"email\": \"owner@store.example\",\n" \
	"  \"metadata\": {\"store_id\": \"" STORE "\"},\n" \
	"  \"payouts_enabled\": false,\n" \
	"  \"requirements\": {\"currently_due\": [], \"disabled_reason\": " \
	"null, \"past_due\": []},\n" \
	"  \"type\": \"express\"\n" \
	"}"

START_TEST(event_checkout_completed_fields)
{
	ck_assert_int_eq(parse(wrap("checkout.session.completed", NULL,
	    CHECKOUT_SESSION("\"pi_3PxYzAB2cD3eF4gH1a2b3c4d\"", "paid",
	    MD_OURS, CD_ANA))), 0);
	ck_assert_str_eq(ev.id, "evt_1PxYzAB2cD3eF4gH5iJ6kL7m");
	ck_assert_str_eq(ev.type, "checkout.session.completed");
	ck_assert_int_eq(ev.ev, STRIPE_EV_CHECKOUT_COMPLETED);
	ck_assert_ptr_null(ev.account);
	ck_assert_int_eq(ev.created, 1718000000);
	ck_assert(!ev.livemode);
	ck_assert_str_eq(ev.object, "checkout.session");
	ck_assert_str_eq(ev.object_id,
	    "cs_test_a1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWxYz");
	ck_assert_str_eq(ev.order_id, ORDER);
	ck_assert_str_eq(ev.store_id, STORE);
	ck_assert_str_eq(ev.payment_intent, "pi_3PxYzAB2cD3eF4gH1a2b3c4d");
	ck_assert_ptr_null(ev.charge);
	ck_assert_str_eq(ev.payment_status, "paid");
	ck_assert_ptr_null(ev.status);
	ck_assert_str_eq(ev.currency, "eur");
	ck_assert_int_eq(ev.amount_total, 2069);
	ck_assert_int_eq(ev.amount_subtotal, 2299);
	ck_assert_int_eq(ev.amount_tax, 0);
	ck_assert_int_eq(ev.amount_discount, 230);
	ck_assert_int_eq(ev.amount, -1);
	ck_assert_int_eq(ev.amount_refunded, -1);
	ck_assert_str_eq(ev.customer_email, "ana@example.com");
	ck_assert_str_eq(ev.customer_name, "Ana Pérez");
	ck_assert_ptr_null(ev.failure_message);
}
END_TEST

START_TEST(event_checkout_async_and_expired_types)
{
	ck_assert_int_eq(parse(wrap("checkout.session.async_payment_succeeded",
	    NULL, CHECKOUT_SESSION("\"pi_3PxYzAB2cD3eF4gH1a2b3c4d\"", "paid",
	    MD_OURS, CD_ANA))), 0);
	ck_assert_int_eq(ev.ev, STRIPE_EV_CHECKOUT_ASYNC_SUCCEEDED);
	ck_assert_int_eq(parse(wrap("checkout.session.async_payment_failed",
	    NULL, CHECKOUT_SESSION("\"pi_3PxYzAB2cD3eF4gH1a2b3c4d\"", "unpaid",
	    MD_OURS, CD_ANA))), 0);
	ck_assert_int_eq(ev.ev, STRIPE_EV_CHECKOUT_ASYNC_FAILED);
	ck_assert_str_eq(ev.payment_status, "unpaid");
	/* An expired session never had a payment or a buyer's details. */
	ck_assert_int_eq(parse(wrap("checkout.session.expired", NULL,
	    CHECKOUT_SESSION("null", "unpaid", MD_OURS, "null"))), 0);
	ck_assert_int_eq(ev.ev, STRIPE_EV_CHECKOUT_EXPIRED);
	ck_assert_ptr_null(ev.payment_intent);
	ck_assert_ptr_null(ev.customer_name);
	/* customer_email (what we prefilled) stands in. */
	ck_assert_str_eq(ev.customer_email, "ana+fallback@example.com");
	ck_assert_str_eq(ev.order_id, ORDER);
}
END_TEST

START_TEST(event_checkout_order_id_falls_back_to_client_reference_id)
{
	ck_assert_int_eq(parse(wrap("checkout.session.completed", NULL,
	    CHECKOUT_SESSION("null", "paid", "{}", CD_ANA))), 0);
	ck_assert_str_eq(ev.order_id, ORDER);
	ck_assert_ptr_null(ev.store_id);
}
END_TEST

START_TEST(event_checkout_expanded_payment_intent_gives_its_id)
{
	ck_assert_int_eq(parse(wrap("checkout.session.completed", NULL,
	    CHECKOUT_SESSION(PAYMENT_INTENT("succeeded", "2069", "null"),
	    "paid", MD_OURS, CD_ANA))), 0);
	ck_assert_str_eq(ev.payment_intent, "pi_3MtwBwLkdIwHu7ix28a3tqPa");
	ck_assert_str_eq(ev.object_id,
	    "cs_test_a1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWxYz");
	/* Expanded, but without a usable id: absent. */
	ck_assert_int_eq(parse(wrap("checkout.session.completed", NULL,
	    CHECKOUT_SESSION("{\"object\": \"payment_intent\", \"id\": 7}",
	    "paid", MD_OURS, CD_ANA))), 0);
	ck_assert_ptr_null(ev.payment_intent);
}
END_TEST

START_TEST(event_metadata_ids_not_uuids_are_absent)
{
	ck_assert_int_eq(parse(wrap("checkout.session.completed", NULL,
	    CHECKOUT_SESSION("null", "paid", "{\"order_id\": \"15\", "
	    "\"store_id\": \"" STORE "x\"}", CD_ANA))), 0);
	/* Not a UUID: falls back to client_reference_id, which is one. */
	ck_assert_str_eq(ev.order_id, ORDER);
	ck_assert_ptr_null(ev.store_id);
	ck_assert_int_eq(parse(wrap("payment_intent.succeeded", NULL,
	    "{\"id\": \"pi_1\", \"object\": \"payment_intent\", \"amount\": 5,"
	    " \"metadata\": {\"order_id\": \"' OR 1=1 --\", \"store_id\": 9}}")),
	    0);
	ck_assert_ptr_null(ev.order_id);
	ck_assert_ptr_null(ev.store_id);
}
END_TEST

START_TEST(event_pi_succeeded_fields)
{
	ck_assert_int_eq(parse(wrap("payment_intent.succeeded", NULL,
	    PAYMENT_INTENT("succeeded", "2000", "null"))), 0);
	ck_assert_int_eq(ev.ev, STRIPE_EV_PI_SUCCEEDED);
	ck_assert_str_eq(ev.object, "payment_intent");
	ck_assert_str_eq(ev.object_id, "pi_3MtwBwLkdIwHu7ix28a3tqPa");
	ck_assert_str_eq(ev.payment_intent, "pi_3MtwBwLkdIwHu7ix28a3tqPa");
	ck_assert_int_eq(ev.amount, 2000);
	ck_assert_str_eq(ev.status, "succeeded");
	ck_assert_str_eq(ev.currency, "usd");
	ck_assert_str_eq(ev.order_id, ORDER);
	ck_assert_str_eq(ev.store_id, STORE);
	ck_assert_ptr_null(ev.failure_message);
	ck_assert_ptr_null(ev.charge);
	ck_assert_int_eq(ev.amount_total, -1);
}
END_TEST

START_TEST(event_pi_failed_message_on_one_line)
{
	ck_assert_int_eq(parse(wrap("payment_intent.payment_failed", NULL,
	    PAYMENT_INTENT("requires_payment_method", "2000",
	    "{\"charge\": \"ch_3MtwBwLkdIwHu7ix28a3tqPa\", "
	    "\"code\": \"card_declined\", \"decline_code\": "
	    "\"insufficient_funds\", \"doc_url\": "
	    "\"https://stripe.com/docs/error-codes/card-declined\", "
	    "\"message\": \"Your card has insufficient funds.\\nTry another.\", "
	    "\"param\": null, \"type\": \"card_error\"}"))), 0);
	ck_assert_int_eq(ev.ev, STRIPE_EV_PI_FAILED);
	ck_assert_str_eq(ev.status, "requires_payment_method");
	ck_assert_str_eq(ev.failure_message,
	    "Your card has insufficient funds. Try another.");
}
END_TEST

START_TEST(event_charge_refunded_fields)
{
	ck_assert_int_eq(parse(wrap("charge.refunded", NULL,
	    CHARGE("1099", "500"))), 0);
	ck_assert_int_eq(ev.ev, STRIPE_EV_CHARGE_REFUNDED);
	ck_assert_str_eq(ev.object, "charge");
	ck_assert_str_eq(ev.object_id, "ch_3MmlLrLkdIwHu7ix0snN0B15");
	ck_assert_str_eq(ev.charge, "ch_3MmlLrLkdIwHu7ix0snN0B15");
	ck_assert_str_eq(ev.payment_intent, "pi_3MmlLrLkdIwHu7ix0Ae3yl8U");
	ck_assert_int_eq(ev.amount, 1099);
	ck_assert_int_eq(ev.amount_refunded, 500);
	ck_assert_str_eq(ev.currency, "usd");
	ck_assert_str_eq(ev.order_id, ORDER);
	ck_assert_str_eq(ev.store_id, STORE);
	/* A charge's own status is not one the webhook reads. */
	ck_assert_ptr_null(ev.status);
}
END_TEST

START_TEST(event_dispute_created_and_closed_fields)
{
	ck_assert_int_eq(parse(wrap("charge.dispute.created", NULL,
	    DISPUTE("\"ch_1AZtxr2eZvKYlo2CJDX8whov\"",
	    "warning_needs_response"))), 0);
	ck_assert_int_eq(ev.ev, STRIPE_EV_DISPUTE_CREATED);
	ck_assert_str_eq(ev.object, "dispute");
	ck_assert_str_eq(ev.object_id, "dp_1MtJUT2eZvKYlo2CNaw2HvEv");
	ck_assert_str_eq(ev.charge, "ch_1AZtxr2eZvKYlo2CJDX8whov");
	ck_assert_str_eq(ev.payment_intent, "pi_1Gt0u72eZvKYlo2CeZrzsn8r");
	ck_assert_int_eq(ev.amount, 1000);
	ck_assert_str_eq(ev.status, "warning_needs_response");
	ck_assert_str_eq(ev.currency, "usd");
	ck_assert_ptr_null(ev.order_id);

	/* Closed, with the charge expanded. */
	ck_assert_int_eq(parse(wrap("charge.dispute.closed", NULL,
	    DISPUTE(CHARGE("1000", "0"), "lost"))), 0);
	ck_assert_int_eq(ev.ev, STRIPE_EV_DISPUTE_CLOSED);
	ck_assert_str_eq(ev.charge, "ch_3MmlLrLkdIwHu7ix0snN0B15");
	ck_assert_str_eq(ev.status, "lost");
	ck_assert_int_eq(ev.amount_refunded, -1);
}
END_TEST

START_TEST(event_account_updated_from_connect)
{
	ck_assert_int_eq(parse(wrap("account.updated", "acct_1Nv0FGQ9RKHgCVdK",
	    ACCOUNT)), 0);
	ck_assert_int_eq(ev.ev, STRIPE_EV_ACCOUNT_UPDATED);
	ck_assert_str_eq(ev.account, "acct_1Nv0FGQ9RKHgCVdK");
	ck_assert_str_eq(ev.object, "account");
	ck_assert_str_eq(ev.object_id, "acct_1Nv0FGQ9RKHgCVdK");
	ck_assert(ev.charges_enabled);
	ck_assert(ev.details_submitted);
	/* Accounts' metadata is not an order's. */
	ck_assert_ptr_null(ev.store_id);
}
END_TEST

START_TEST(event_connect_checkout_carries_account)
{
	ck_assert_int_eq(parse(wrap("checkout.session.completed",
	    "acct_1Nv0FGQ9RKHgCVdK", CHECKOUT_SESSION("null", "paid",
	    MD_OURS, CD_ANA))), 0);
	ck_assert_str_eq(ev.account, "acct_1Nv0FGQ9RKHgCVdK");
	/* Only acct_ ids are accounts. */
	ck_assert_int_eq(parse(wrap("checkout.session.completed",
	    "cus_1Nv0FGQ9RKHgCVdK", CHECKOUT_SESSION("null", "paid",
	    MD_OURS, CD_ANA))), 0);
	ck_assert_ptr_null(ev.account);
	ck_assert_int_eq(parse(wrap("checkout.session.completed",
	    "acct_1Nv0/../x", CHECKOUT_SESSION("null", "paid",
	    MD_OURS, CD_ANA))), 0);
	ck_assert_ptr_null(ev.account);
}
END_TEST

START_TEST(event_unknown_type_is_other)
{
	ck_assert_int_eq(parse(wrap("invoice.paid", NULL,
	    "{\"id\": \"in_1MtHbELkdIwHu7ixl4OzzPMv\", \"object\": \"invoice\","
	    " \"amount_due\": 999, \"amount_paid\": 999, \"currency\": \"usd\","
	    " \"metadata\": {\"order_id\": \"" ORDER "\"}}")), 0);
	ck_assert_int_eq(ev.ev, STRIPE_EV_OTHER);
	ck_assert_str_eq(ev.type, "invoice.paid");
	ck_assert_str_eq(ev.object, "invoice");
	ck_assert_str_eq(ev.object_id, "in_1MtHbELkdIwHu7ixl4OzzPMv");
	/* Fields of kinds we do not read are not guessed at. */
	ck_assert_ptr_null(ev.order_id);
	ck_assert_ptr_null(ev.currency);
	ck_assert_int_eq(ev.amount, -1);
	/* A known type's prefix or a variant spelling is not that type. */
	ck_assert_int_eq(parse(wrap("charge.refund.updated", NULL,
	    CHARGE("1099", "500"))), 0);
	ck_assert_int_eq(ev.ev, STRIPE_EV_OTHER);
	ck_assert_str_eq(ev.charge, "ch_3MmlLrLkdIwHu7ix0snN0B15");
	ck_assert_int_eq(parse(wrap("Charge.Refunded", NULL,
	    CHARGE("1099", "500"))), 0);
	ck_assert_int_eq(ev.ev, STRIPE_EV_OTHER);
}
END_TEST

START_TEST(event_name_round_trips_every_type)
{
	int	 i;

	for (i = 0; i < STRIPE_EV_OTHER; i++) {
		ck_assert_int_eq(parse(wrap(stripe_event_name(i), NULL,
		    "{\"object\": \"balance\"}")), 0);
		ck_assert_int_eq(ev.ev, i);
		ck_assert_str_eq(ev.type, stripe_event_name(i));
	}
	ck_assert_str_eq(stripe_event_name(STRIPE_EV_CHARGE_REFUNDED),
	    "charge.refunded");
	ck_assert_str_eq(stripe_event_name(STRIPE_EV_OTHER), "other");
	ck_assert_str_eq(stripe_event_name(STRIPE_EV__MAX), "other");
}
END_TEST

START_TEST(event_missing_optional_fields_are_null)
{
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"charge.refunded\",\"data\":{\"object\":"
	    "{\"object\":\"charge\"}}}"), 0);
	ck_assert_int_eq(ev.ev, STRIPE_EV_CHARGE_REFUNDED);
	ck_assert_str_eq(ev.object, "charge");
	ck_assert_ptr_null(ev.object_id);
	ck_assert_ptr_null(ev.charge);
	ck_assert_ptr_null(ev.payment_intent);
	ck_assert_ptr_null(ev.currency);
	ck_assert_ptr_null(ev.account);
	ck_assert_int_eq(ev.created, 0);
	ck_assert_int_eq(ev.amount, -1);
	ck_assert_int_eq(ev.amount_refunded, -1);
	/* JSON null is absent too. */
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"payment_intent.succeeded\",\"account\":null,"
	    "\"data\":{\"object\":{\"object\":\"payment_intent\","
	    "\"id\":\"pi_1\",\"amount\":null,\"metadata\":null,"
	    "\"currency\":null,\"last_payment_error\":null}}}"), 0);
	ck_assert_str_eq(ev.payment_intent, "pi_1");
	ck_assert_int_eq(ev.amount, -1);
	ck_assert_ptr_null(ev.currency);
	ck_assert_ptr_null(ev.order_id);
	/* data.object without an "object" member: no kind, no fields. */
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"charge.refunded\",\"data\":{\"object\":"
	    "{\"id\":\"ch_1\",\"amount\":-5}}}"), 0);
	ck_assert_ptr_null(ev.object);
	ck_assert_str_eq(ev.object_id, "ch_1");
	ck_assert_int_eq(ev.amount, -1);
}
END_TEST

START_TEST(event_wrongly_typed_fields_are_absent)
{
	ck_assert_int_eq(parse(wrap("checkout.session.completed", NULL,
	    "{\"id\": 42, \"object\": \"checkout.session\", "
	    "\"payment_intent\": [\"pi_1\"], \"payment_status\": true, "
	    "\"currency\": 978, \"customer_details\": \"ana@example.com\", "
	    "\"customer_email\": {\"email\": \"x@example.com\"}, "
	    "\"metadata\": [\"" ORDER "\"], \"client_reference_id\": 1, "
	    "\"total_details\": 0, \"amount_total\": 100}")), 0);
	ck_assert_ptr_null(ev.object_id);
	ck_assert_ptr_null(ev.payment_intent);
	ck_assert_ptr_null(ev.payment_status);
	ck_assert_ptr_null(ev.currency);
	ck_assert_ptr_null(ev.customer_email);
	ck_assert_ptr_null(ev.order_id);
	ck_assert_int_eq(ev.amount_total, 100);
	ck_assert_int_eq(ev.amount_tax, -1);
	/* Odd strings: upper-case currency, a status with spaces. */
	ck_assert_int_eq(parse(wrap("charge.dispute.closed", NULL,
	    "{\"id\": \"dp_1\", \"object\": \"dispute\", \"currency\": \"USD\","
	    " \"status\": \"won it\", \"amount\": 0}")), 0);
	ck_assert_ptr_null(ev.currency);
	ck_assert_ptr_null(ev.status);
	ck_assert_int_eq(ev.amount, 0);
	/* A name with a control character is not kept. */
	ck_assert_int_eq(parse(wrap("checkout.session.completed", NULL,
	    "{\"object\": \"checkout.session\", \"customer_details\": "
	    "{\"name\": \"Ana\\r\\nBcc: x@example.com\", "
	    "\"email\": \"ana@example.com\"}}")), 0);
	ck_assert_ptr_null(ev.customer_name);
	ck_assert_str_eq(ev.customer_email, "ana@example.com");
	/* livemode and the account flags are JSON booleans or false. */
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"account.updated\",\"livemode\":\"true\","
	    "\"data\":{\"object\":{\"object\":\"account\",\"id\":\"acct_1\","
	    "\"charges_enabled\":1,\"details_submitted\":\"yes\"}}}"), 0);
	ck_assert(!ev.livemode);
	ck_assert(!ev.charges_enabled);
	ck_assert(!ev.details_submitted);
}
END_TEST

START_TEST(event_object_ids_with_bad_characters_are_absent)
{
	ck_assert_int_eq(parse(wrap("charge.refunded", NULL,
	    "{\"id\": \"ch_1<script>\", \"object\": \"charge\", "
	    "\"payment_intent\": \"pi_1 2\", \"amount\": 1}")), 0);
	ck_assert_ptr_null(ev.object_id);
	ck_assert_ptr_null(ev.charge);
	ck_assert_ptr_null(ev.payment_intent);
	ck_assert_int_eq(parse(wrap("charge.refunded", NULL,
	    "{\"id\": \"ch_\", \"object\": \"charge\", "
	    "\"payment_intent\": \"PI_1\", \"amount\": 1}")), 0);
	ck_assert_ptr_null(ev.object_id);
	ck_assert_ptr_null(ev.payment_intent);
	ck_assert_int_eq(parse(wrap("charge.refunded", NULL,
	    "{\"id\": \"ch1\", \"object\": \"charge\", "
	    "\"payment_intent\": \"pi_1\\u0000x\", \"amount\": 1}")), 0);
	ck_assert_ptr_null(ev.object_id);
	ck_assert_ptr_null(ev.payment_intent);
}
END_TEST

START_TEST(event_id_missing_or_bad_refused)
{
	char	*body, *id;

	ck_assert_int_eq(parse("{\"object\":\"event\",\"type\":\"x\","
	    "\"data\":{\"object\":{}}}"), -1);
	ck_assert_str_eq(errstr, "has no id");
	ck_assert_int_eq(parse("{\"id\":7,\"object\":\"event\",\"type\":\"x\","
	    "\"data\":{\"object\":{}}}"), -1);
	ck_assert_str_eq(errstr, "has no id");
	ck_assert_int_eq(parse("{\"id\":null,\"object\":\"event\","
	    "\"type\":\"x\",\"data\":{\"object\":{}}}"), -1);
	ck_assert_str_eq(errstr, "has no id");
	ck_assert_int_eq(parse("{\"id\":\"ch_1\",\"object\":\"event\","
	    "\"type\":\"x\",\"data\":{\"object\":{}}}"), -1);
	ck_assert_str_eq(errstr, "has a bad id");
	ck_assert_int_eq(parse("{\"id\":\"evt_\",\"object\":\"event\","
	    "\"type\":\"x\",\"data\":{\"object\":{}}}"), -1);
	ck_assert_str_eq(errstr, "has a bad id");
	ck_assert_int_eq(parse("{\"id\":\"evt_1-2\",\"object\":\"event\","
	    "\"type\":\"x\",\"data\":{\"object\":{}}}"), -1);
	ck_assert_str_eq(errstr, "has a bad id");
	ck_assert_int_eq(parse("{\"id\":\"evt_1\\n\",\"object\":\"event\","
	    "\"type\":\"x\",\"data\":{\"object\":{}}}"), -1);
	ck_assert_str_eq(errstr, "has a bad id");

	/* STRIPE_EVENT_ID_MAX bytes are fine, one more is not. */
	id = arena_alloc(a, STRIPE_EVENT_ID_MAX + 2);
	memset(id, 'a', STRIPE_EVENT_ID_MAX + 1);
	memcpy(id, "evt_", 4);
	id[STRIPE_EVENT_ID_MAX] = '\0';
	body = arena_printf(a, "{\"id\":\"%s\",\"object\":\"event\","
	    "\"type\":\"x\",\"data\":{\"object\":{}}}", id);
	ck_assert_int_eq(parse(body), 0);
	ck_assert_uint_eq(strlen(ev.id), STRIPE_EVENT_ID_MAX);
	id[STRIPE_EVENT_ID_MAX] = 'a';
	id[STRIPE_EVENT_ID_MAX + 1] = '\0';
	body = arena_printf(a, "{\"id\":\"%s\",\"object\":\"event\","
	    "\"type\":\"x\",\"data\":{\"object\":{}}}", id);
	ck_assert_int_eq(parse(body), -1);
	ck_assert_str_eq(errstr, "has a bad id");
}
END_TEST

START_TEST(event_not_an_event_refused)
{
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"type\":\"x\","
	    "\"data\":{\"object\":{}}}"), -1);
	ck_assert_str_eq(errstr, "is not an event");
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"charge\","
	    "\"type\":\"x\",\"data\":{\"object\":{}}}"), -1);
	ck_assert_str_eq(errstr, "is not an event");
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"v2.core.event\","
	    "\"type\":\"x\",\"data\":{\"object\":{}}}"), -1);
	ck_assert_str_eq(errstr, "is not an event");
}
END_TEST

START_TEST(event_type_missing_or_bad_refused)
{
	char	*type;

	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"data\":{\"object\":{}}}"), -1);
	ck_assert_str_eq(errstr, "has no type");
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":[\"charge.refunded\"],\"data\":{\"object\":{}}}"), -1);
	ck_assert_str_eq(errstr, "has no type");
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"\",\"data\":{\"object\":{}}}"), -1);
	ck_assert_str_eq(errstr, "has a bad type");
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"charge.refunded\\u0000x\",\"data\":{\"object\":{}}}"),
	    -1);
	ck_assert_str_eq(errstr, "has a bad type");
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"charge refunded\",\"data\":{\"object\":{}}}"), -1);
	ck_assert_str_eq(errstr, "has a bad type");
	/* json-c lets a raw control character through; the check does not. */
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"charge.refunded\x01\",\"data\":{\"object\":{}}}"),
	    -1);
	ck_assert_str_eq(errstr, "has a bad type");

	type = arena_alloc(a, 102);
	memset(type, 'x', 100);
	type[100] = '\0';
	ck_assert_int_eq(parse(wrap(type, NULL, "{}")), 0);
	ck_assert_int_eq(ev.ev, STRIPE_EV_OTHER);
	type[100] = 'x';
	type[101] = '\0';
	ck_assert_int_eq(parse(wrap(type, NULL, "{}")), -1);
	ck_assert_str_eq(errstr, "has a bad type");
}
END_TEST

START_TEST(event_data_object_missing_refused)
{
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"charge.refunded\"}"), -1);
	ck_assert_str_eq(errstr, "has no data.object");
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"charge.refunded\",\"data\":{}}"), -1);
	ck_assert_str_eq(errstr, "has no data.object");
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"charge.refunded\",\"data\":{\"object\":null}}"), -1);
	ck_assert_str_eq(errstr, "has no data.object");
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"charge.refunded\",\"data\":{\"object\":\"ch_1\"}}"),
	    -1);
	ck_assert_str_eq(errstr, "has no data.object");
	ck_assert_int_eq(parse("{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"charge.refunded\",\"data\":[{\"object\":{}}]}"), -1);
	ck_assert_str_eq(errstr, "has no data.object");
}
END_TEST

START_TEST(event_amounts_must_be_whole_and_not_negative)
{
	static const char *const bad[] = {
		"-1", "12.5", "1e3", "\"1099\"", "true", "{}", "NaN",
		"99999999999999999999", "18446744073709551615",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(parse(wrap("charge.refunded", NULL,
		    arena_printf(a, "{\"id\": \"ch_1\", \"object\": \"charge\", "
		    "\"amount\": 100, \"amount_refunded\": %s}", bad[i]))), -1);
		ck_assert_str_eq(errstr, "has a bad amount");
		/* What was read is there for the log. */
		ck_assert_str_eq(ev.id, "evt_1PxYzAB2cD3eF4gH5iJ6kL7m");
	}
	ck_assert_int_eq(parse(wrap("checkout.session.completed", NULL,
	    "{\"object\": \"checkout.session\", \"total_details\": "
	    "{\"amount_tax\": -3}}")), -1);
	ck_assert_str_eq(errstr, "has a bad amount");
	ck_assert_int_eq(parse(wrap("charge.dispute.created", NULL,
	    "{\"object\": \"dispute\", \"amount\": -1000}")), -1);
	ck_assert_int_eq(parse(wrap("payment_intent.succeeded", NULL,
	    "{\"object\": \"payment_intent\", \"amount\": 20.00}")), -1);
	/* Zero is an amount. */
	ck_assert_int_eq(parse(wrap("charge.refunded", NULL,
	    "{\"id\": \"ch_1\", \"object\": \"charge\", \"amount\": 0, "
	    "\"amount_refunded\": 0}")), 0);
	ck_assert_int_eq(ev.amount, 0);
	ck_assert_int_eq(ev.amount_refunded, 0);
}
END_TEST

START_TEST(event_malformed_json_refused)
{
	static const char *const bad[] = {
		"",
		"{",
		"{\"id\":\"evt_1\",",
		"{\"id\":}",
		"{'id':'evt_1'}",
		"{\"id\":\"evt_1\",}",
		"{\"id\":\"evt_1\"} trailing",
		"{\"id\":\"evt_1\"}{}",
		"{\"id\":\"evt_1\" /* c */}",
		"{\"a\":01}",
		"{\"a\":-}",
		"{\"a\":tru}",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(bad[i]) == -1, "accepted: %s", bad[i]);
		ck_assert_str_eq(errstr, "is not valid JSON");
	}
	ck_assert_int_eq(parse("[]"), -1);
	ck_assert_str_eq(errstr, "is not a JSON object");
	ck_assert_int_eq(parse("\"evt_1\""), -1);
	ck_assert_str_eq(errstr, "is not a JSON object");
	ck_assert_int_eq(parse("null"), -1);
	ck_assert_str_eq(errstr, "is not a JSON object");
	ck_assert_int_eq(parse("42"), -1);
	ck_assert_str_eq(errstr, "is not a JSON object");
}
END_TEST

START_TEST(event_deep_nesting_refused)
{
	char	*body;
	size_t	 i, n = 100000, off;

	body = arena_alloc(a, 2 * n + 200);
	off = (size_t)snprintf(body, 200, "{\"id\":\"evt_1\",\"object\":"
	    "\"event\",\"type\":\"x\",\"data\":{\"object\":{\"deep\":");
	for (i = 0; i < n; i++)
		body[off++] = '[';
	for (i = 0; i < n; i++)
		body[off++] = ']';
	memcpy(body + off, "}}}", 4);
	ck_assert_int_eq(parse(body), -1);
	ck_assert_str_eq(errstr, "is nested too deeply");
	/* Stripe's own nesting (about eight deep) is fine. */
	ck_assert_int_eq(parse(wrap("x.y", NULL, "{\"a\":{\"b\":{\"c\":{\"d\":"
	    "{\"e\":{\"f\":{\"g\":{\"h\":[[[1]]]}}}}}}}}")), 0);
}
END_TEST

START_TEST(event_non_utf8_refused)
{
	static const char	 latin1[] = "{\"id\":\"evt_1\",\"object\":"
	    "\"event\",\"type\":\"x\",\"data\":{\"object\":{\"name\":"
	    "\"Caf\xe9\"}}}";
	static const char	 nul[] = "{\"id\":\"evt_1\",\"object\":"
	    "\"event\",\"type\":\"x\",\"data\":{\"object\":{}}}\0";
	static const char	 overlong[] = "{\"id\":\"evt_1\",\"object\":"
	    "\"event\",\"type\":\"x\",\"data\":{\"object\":{\"s\":"
	    "\"\xc0\xaf\"}}}";

	ck_assert_int_eq(parse(latin1), -1);
	ck_assert_str_eq(errstr, "is not valid UTF-8");
	ck_assert_int_eq(parse(overlong), -1);
	ck_assert_str_eq(errstr, "is not valid UTF-8");
	/* A NUL byte inside the body, counted by the caller. */
	ck_assert_int_eq(stripe_event_parse(a, nul, sizeof(nul) - 1, &ev,
	    &errstr), -1);
	ck_assert_str_eq(errstr, "is not valid UTF-8");
	/* Without it, the same body is fine. */
	ck_assert_int_eq(stripe_event_parse(a, nul, sizeof(nul) - 2, &ev,
	    &errstr), 0);
}
END_TEST

START_TEST(event_body_need_not_be_nul_terminated)
{
	const char	*body;
	char		*copy;
	size_t		 n;

	body = wrap("charge.refunded", NULL, CHARGE("1099", "1099"));
	n = strlen(body);
	/* Followed by garbage that is not part of it. */
	copy = arena_alloc(a, n + 8);
	memcpy(copy, body, n);
	memcpy(copy + n, "}}}]]]!!", 8);
	ck_assert_int_eq(stripe_event_parse(a, copy, n, &ev, &errstr), 0);
	ck_assert_int_eq(ev.amount_refunded, 1099);
	/* And a body cut short is refused. */
	ck_assert_int_eq(stripe_event_parse(a, copy, n - 3, &ev, &errstr), -1);
	ck_assert_str_eq(errstr, "is not valid JSON");
}
END_TEST

static Suite *
stripe_event_suite(void)
{
	Suite	*s = suite_create("stripe_event");
	TCase	*tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, event_checkout_completed_fields);
	tcase_add_test(tc, event_checkout_async_and_expired_types);
	tcase_add_test(tc,
	    event_checkout_order_id_falls_back_to_client_reference_id);
	tcase_add_test(tc, event_checkout_expanded_payment_intent_gives_its_id);
	tcase_add_test(tc, event_metadata_ids_not_uuids_are_absent);
	tcase_add_test(tc, event_pi_succeeded_fields);
	tcase_add_test(tc, event_pi_failed_message_on_one_line);
	tcase_add_test(tc, event_charge_refunded_fields);
	tcase_add_test(tc, event_dispute_created_and_closed_fields);
	tcase_add_test(tc, event_account_updated_from_connect);
	tcase_add_test(tc, event_connect_checkout_carries_account);
	tcase_add_test(tc, event_unknown_type_is_other);
	tcase_add_test(tc, event_name_round_trips_every_type);
	tcase_add_test(tc, event_missing_optional_fields_are_null);
	tcase_add_test(tc, event_wrongly_typed_fields_are_absent);
	tcase_add_test(tc, event_object_ids_with_bad_characters_are_absent);
	tcase_add_test(tc, event_id_missing_or_bad_refused);
	tcase_add_test(tc, event_not_an_event_refused);
	tcase_add_test(tc, event_type_missing_or_bad_refused);
	tcase_add_test(tc, event_data_object_missing_refused);
	tcase_add_test(tc, event_amounts_must_be_whole_and_not_negative);
	tcase_add_test(tc, event_malformed_json_refused);
	tcase_add_test(tc, event_deep_nesting_refused);
	tcase_add_test(tc, event_non_utf8_refused);
	tcase_add_test(tc, event_body_need_not_be_nul_terminated);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(stripe_event_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
