import type { BillingProblemCode } from '#billing';
import type { CatalogProblemCode } from '#catalog';
import type { IdentityProblemCode } from '#identity';
import type { PlatformProblemCode } from '#platform';
import type { ProvisioningProblemCode } from '#provisioning';

/** Every problem code a library may report; the texts must have words for each (checked by the compiler). */
export type ProblemCode = PlatformProblemCode | IdentityProblemCode | CatalogProblemCode | ProvisioningProblemCode | BillingProblemCode;

/**
 * Every text a person sees in billing's pages and mails, in one place. A translation is
 * another object of the same type (e.g. de.ts). Placeholders are {name}. Libraries report
 * problems as codes; `problems` has the words for each code.
 */
export const en = {
  locale: 'en',
  siteName: 'Allmende',
  layout: {
    skipToContent: 'Skip to content',
    footer: 'Allmende: hosting for clubs, run as a cooperative.',
  },
  intervals: { month: 'month', year: 'year' } as Record<string, string>,
  apps: { prosody: 'Chat (XMPP)', wordpress: 'Website (WordPress)', mastodon: 'Social network (Mastodon)' } as Record<string, string>,
  // What is wrong with a field, by problem code (see each library's problems.ts); {name} are the problem's values.
  problems: {
    'input.invalid': '{detail}',
    'input.required': 'is required',
    'input.uuid': 'must be a UUID',
    'email.taken': 'is already registered',
    'email.already_member': 'is already a member of this organization',
    'slug.taken': 'is taken',
    'scopes.unknown': 'unknown scope(s): {scopes}',
    'scopes.not_yours': 'may only include scopes of the token you use: {scopes}',
    'expiry.beyond_yours': 'must not be later than the expiry of the token you use ({expires})',
    'owner.operator': 'is an operator account; a club needs a personal account as its owner',
    'text.link': 'must not contain a web address or a domain name',
    'app.unknown': 'unknown app "{app}" (known: {known})',
    'version.unknown': '{app} has no version "{version}" (offered: {offered})',
    'plan.not_orderable': 'is not a plan that can be ordered',
    'subdomain.too_short': 'must be at least {min} characters',
    'subdomain.too_long': 'must be at most {max} characters',
    'subdomain.characters': 'may contain only letters a-z, digits and hyphens, and must not start or end with a hyphen',
    'subdomain.double_hyphen': 'must not contain two hyphens in a row',
    'subdomain.reserved': 'is reserved; please choose another name',
    'subdomain.taken': 'is already taken',
    'domain.required': 'is required',
    'domain.too_long': 'must be at most {max} characters',
    'domain.not_a_name': 'must be a domain name only, like club.example.org (no http://, no path)',
    'domain.invalid': 'is not a valid domain name',
    'domain.no_tld': 'must include a top-level domain, like club.example.org',
    'domain.invalid_tld': 'has an invalid top-level domain',
    'domain.under_base': 'is under {base}; choose a subdomain instead',
    'domain.in_use': 'is already in use',
    'domain.wildcard': 'must be one name, without a wildcard (*)',
    'domain.ip_address': 'must be a domain name, not an IP address',
    'domain.special_use': 'ends in .{suffix}, which is only for local or special use and cannot be reached from the internet',
    'domain.mixed_scripts': '{name} mixes scripts ({scripts}) within one part of the name, so it could pass for another name',
    'domain.confusable': '{name} is written in {script} letters that look like Latin ones, so it could pass for another name',
    'domain.already_added': 'is already one of this instance\'s domains',
    'domain.too_many': 'this instance already has {max} domains of its own',
    'domain.not_custom': 'is the address Allmende gave this instance; it cannot be removed',
    'domain.primary': 'is the main address of this instance; it cannot be removed while it is',
    'address.missing': 'choose a subdomain or enter your own domain',
    'versions.not_in_plan': 'the plan {plan} does not include {apps}',
    'docker_host.name_taken': 'is taken',
    'restore.backup_unknown': 'names no backup',
    'restore.backup_of_other_tenant': 'is a backup of another tenant; only this tenant\'s own backups can be restored here',
    'restore.backup_not_kept': 'is a backup that is not kept (it failed, or retention removed it)',
    'order.state': 'must be one of {states}',
    'order.provider': 'must be stripe or manual',
  } satisfies Record<ProblemCode, string>,

  orderForm: {
    title: 'Order hosting for your club',
    intro: 'Chat, a website or your own social network, run for you by a cooperative. One flat price, no tracking, cancel any time.',
    errorSummary: 'Please correct the following:',
    planLegend: 'Choose a plan',
    planPrice: '{price} per {interval}',
    planApps: 'Includes: {apps}',
    clubLegend: 'About your club',
    clubName: { label: 'Name of your club', hint: 'As your members know it, for example "Gardeners of Südstadt".' },
    contactEmail: { label: 'Contact email', hint: 'Invoices and important notices go here. You also log in with it.' },
    password: { label: 'Password for your account', hint: 'At least 12 characters. You log in with your email and this password.' },
    addressLegend: 'Address of your instance',
    addressKind: { subdomain: 'A free address under {base}', custom: 'Our own domain' },
    subdomain: { label: 'Subdomain', hint: '3 to 40 lower-case letters, digits or hyphens. Your address becomes name.{base}.' },
    customDomain: { label: 'Your domain', hint: 'For example club.example.org. After ordering you point it to us; we explain how.' },
    availability: { checking: 'Checking whether it is free…', available: '{domain} is free.', unavailable: 'Subdomain {reason}.' },
    agreementsLegend: 'Agreements',
    acceptTerms: 'I accept the terms of service (version {version}).',
    acceptDpa: 'I accept the data processing agreement (version {version}).',
    readTerms: 'Read the terms of service',
    readDpa: 'Read the data processing agreement',
    paymentStripe: 'Next you pay on Stripe’s secure page. The subscription renews automatically until you cancel it.',
    paymentManual: 'You pay by bank transfer; the next page shows the details.',
    submitStripe: 'Continue to payment',
    submitManual: 'Place order',
  },

  errors: {
    fieldProblem: '{label} {problem}.',
    plan: 'Choose one of the plans.',
    clubName: 'Enter the name of your club (2 to 100 characters).',
    clubNameCharacters: 'The name must be one line, without control or invisible text-direction characters.',
    clubNameLink: 'The name must not contain a web address or a domain name.',
    contactEmail: 'Enter an email address with plain letters, digits and . _ % + -, like name@example.org.',
    emailTaken: 'An account with this email already exists. Ask your club’s owner to invite you, or use another email.',
    password: 'Choose a password of 12 to 200 characters.',
    addressKind: 'Choose an address: a subdomain or your own domain.',
    subdomain: 'Enter a subdomain.',
    customDomain: 'Enter your domain.',
    acceptTerms: 'Accept the terms of service to order.',
    acceptDpa: 'Accept the data processing agreement to order.',
    providerUnavailable: 'We could not reach the payment provider. Your order is saved; please try again in a moment.',
    tooManyOrders: 'Too many orders came from your network in the last hour. Please try again later, or write to us.',
  },

  status: {
    title: 'Your order',
    heading: 'Order for {club}',
    summary: {
      plan: 'Plan',
      price: 'Price',
      address: 'Address',
      ordered: 'Ordered on',
      agreements: 'Agreements',
      agreementsValue: 'Terms of service {terms} and data processing agreement {dpa}, accepted on {date}',
    },
    phases: {
      awaiting_payment: { title: 'Waiting for your payment', body: 'Your order is saved. Finish the payment to start your instance.' },
      confirming: { title: 'Confirming your payment…', body: 'Stripe has your payment and is telling us. This page updates by itself.' },
      checkout_canceled: { title: 'Payment not finished', body: 'You left the payment page. Your order is saved; continue whenever you like.' },
      bank_transfer: {
        title: 'Please pay by bank transfer',
        body: 'Transfer {amount} with the reference below. We start your instance as soon as your payment arrives; this page shows it.',
      },
      provisioning: { title: 'Setting up your instance', body: 'Your payment arrived. We are setting up your apps; this takes a few minutes.' },
      active: { title: 'Your instance is ready', body: 'Your apps run at {address}.' },
      past_due: {
        title: 'Your last payment failed',
        body: 'Your instance keeps running until {date}. Please update your payment method before then; otherwise it is paused (your data is kept).',
      },
      suspended: {
        title: 'Your instance is paused',
        body: 'A payment is outstanding, so your instance is stopped. Your data is kept, and the instance starts again by itself once the payment arrives.',
      },
      terminating: { title: 'Your subscription has ended', body: 'Your instance is stopped. We keep a final export of your data until {date}; after that everything is deleted.' },
      terminated: { title: 'This instance no longer exists', body: 'The subscription ended and the data has been deleted.' },
      expired: { title: 'This order has expired', body: 'It was not paid in time. You are welcome to order again.' },
      failed: { title: 'Setting up did not work', body: 'Something went wrong while setting up your instance. The cooperative has been told and will fix it.' },
    } as Record<string, { title: string; body: string }>,
    bank: { amount: 'Amount', reference: 'Reference', account: 'Account', noAccount: 'The cooperative sends you its bank details by email.' },
    progress: 'Progress',
    stepStates: { pending: 'waiting', running: 'in progress', done: 'done', failed: 'failed', skipped: 'skipped' } as Record<string, string>,
    continuePayment: 'Continue to payment',
    checkAgain: 'Check again',
    orderAgain: 'Order again',
    login: {
      heading: 'How to log in',
      owner: 'Your Allmende account is your contact email with the password you chose when ordering.',
      credentials: 'Your apps have their own admin logins. We show them once, to an owner of the club: store them in a password manager.',
      email: 'Email',
      password: 'Password',
      submit: 'Show the admin logins',
      refused: 'Email or password is wrong, or this account is not an owner of this club.',
      alreadyShown: 'The admin logins were already shown once. Use the app’s own “forgot password” if they are lost.',
      notReady: 'The admin logins are not ready yet; wait until your instance is ready.',
    },
    credentials: {
      title: 'Admin logins',
      intro: 'This page is shown only once. Store these logins in your password manager now, then close the page.',
      app: 'App',
      username: 'Login name',
      password: 'Password',
      where: 'Where to log in',
      back: 'Back to the order',
    },
    backups: {
      heading: 'Backups',
      lastBackup: 'Last successful backup: {date}.',
      noBackup: 'No backup yet: the first one runs in the coming night.',
      lastVerified: 'Last verified restore: {date} (a copy was restored and checked, then removed).',
      notVerified: 'Restoring has not been tested yet: a restore drill runs weekly.',
    },
    portal: {
      heading: 'Manage billing',
      intro: 'Change your card, see your invoices or cancel. Owners and billing members of the club can open the billing portal.',
      email: 'Email',
      password: 'Password',
      submit: 'Open the billing portal',
      refused: 'Email or password is wrong, or this account may not manage billing for this club.',
    },
  },

  verifyEmail: {
    mailSubject: 'Please confirm your email address for Allmende',
    mailBody:
      'Hello,\n\nyou (or someone using this address) ordered hosting for a club on Allmende. Please confirm that this address is yours by opening this link (it works until {expires}):\n{link}\n\nUntil then the account can only see and pay its order. If you did not order anything, ignore this email.\n',
    done: { title: 'Thank you', body: 'Your email address {email} is confirmed.' },
    invalid: { title: 'This link cannot be used', body: 'The link is wrong, has expired or was used already. Log in and ask for a new one.' },
  },

  customDomain: {
    flagged: {
      mailSubject: 'Your domain {domain} no longer points to Allmende',
      mailBody:
        'Hello {club},\n\nwe checked the DNS records of {domain} and they are no longer as they should be:\n\n{fixes}\n\nPlease correct them at your DNS provider. Until {withdrawAt} we keep serving {domain}; if the records are still missing then, we stop serving it (your instance stays reachable at its other addresses).\n',
    },
    withdrawn: {
      mailSubject: 'We stopped serving {domain}',
      mailBody:
        'Hello {club},\n\nthe DNS records of {domain} have been missing for too long, so your instance is no longer served under this name:\n\n{fixes}\n\nOnce the records are correct again, we notice it within the hour and serve {domain} again.\n',
    },
    restored: {
      mailSubject: 'Your domain {domain} is served again',
      mailBody: 'Hello {club},\n\nthe DNS records of {domain} are correct again. Your instance is served under this name.\n',
    },
  },
  // Mails to the cooperative's operators about backups that need a person.
  backupAlerts: {
    failedSubject: 'Backups of {tenant} fail on {site}',
    failedBody:
      'Backups of tenant {tenant} ({tenantId}) on the backup site {site} have failed {failures} time(s) in a row.\n\nReason ({code}):\n{error}\n\nThe next attempt is at {next}. The tenant keeps running. See GET /api/v1/backups?failing=true.\n',
    checkSubject: 'The backup repository of {tenant} on {site} is damaged',
    checkBody:
      'The weekly check of the backup repository of tenant {tenant} ({tenantId}) on the backup site {site} found damage.\n\nReason ({code}):\n{error}\n\nThe other sites are not affected. Repair it (restic repair packs / repair snapshots) or start a fresh repository, then make a backup.\n',
    drillSubject: 'The restore drill of {tenant} failed',
    drillBody:
      'The restore drill of tenant {tenant} ({tenantId}) from the backup site {site} failed: a restored copy did not work as it should.\n\nReason ({code}):\n{error}\n\nThe tenant itself was not touched; the scratch copy has been removed. See GET /api/v1/tenants/{tenantId}/backups.\n',
    restoreSubject: 'A restore of {tenant} failed',
    restoreBody: 'A restore of tenant {tenant} ({tenantId}) from the backup site {site} failed.\n\n{error}\n\nSee the operation in GET /api/v1/tenants/{tenantId}/operations.\n',
  },

  notFound: { title: 'Not found', body: 'There is nothing at this address. Check the link, or start a new order.' },

  invitation: {
    roles: { owner: 'owner', billing: 'billing member', member: 'member' } as Record<string, string>,
    mailSubject: 'Invitation to {club} on Allmende',
    mailBody:
      'Hello,\n\n{inviter} invites you to join {club} on Allmende as {role}.\n\nAccept the invitation here (the link works until {expires}):\n{link}\n\nIf you did not expect this email, ignore it.\n',
    title: 'Join {club}',
    intro: 'You are invited to join {club} as {role}, with the email address {email}.',
    newAccount: 'Choose a password for your new account.',
    existingAccount: 'You already have an account with this email address. Enter its password to accept.',
    password: { label: 'Password', hint: 'At least 12 characters.' },
    submit: 'Accept the invitation',
    wrongPassword: 'The password is wrong.',
    passwordRules: 'Choose a password of 12 to 200 characters.',
    accepted: { title: 'Welcome to {club}', body: 'You are now a {role} of {club}. Log in with {email}.' },
    invalid: { title: 'This invitation cannot be used', body: 'The link is wrong, has expired or was used already. Ask the person who invited you for a new one.' },
  },
};

export type Texts = typeof en;
