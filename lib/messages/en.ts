/**
 * English: the catalogue every other one must match key for key
 * (test/messages.test.ts). ICU MessageFormat: `{name}` is a value.
 * The confirmation, download and erasure mails keep WordPress's words.
 */
export const en = {
  'mail.greeting': 'Howdy,',
  'mail.regards': 'Regards,',
  'mail.allAt': 'All at {site}',

  'action.export': 'Export Personal Data',
  'action.erase': 'Erase Personal Data',
  'request.export': 'request for a copy of your personal data',
  'request.erase': 'request to erase your personal data',

  'confirm.subject': '[{site}] Confirm Action: {action}',
  'confirm.intro': 'A request has been made to perform the following action on your account:',
  'confirm.click': 'To confirm this, please click on the following link:',
  'confirm.until': 'The link works until {date}.',
  'confirm.ignore': 'You can safely ignore and delete this email if you do not want to\ntake this action.',

  'download.subject': '[{site}] Personal Data Export',
  'download.body':
    'Your request for an export of personal data has been completed. You may\ndownload your personal data by clicking on the link below. For privacy\nand security, we will automatically delete the file on {date},\nso please download it before then.',

  'erased.subject': '[{site}] Erasure Request Fulfilled',
  'erased.done': 'Your request to erase your personal data on {site} has been completed.',
  'erased.nothing': 'We found no personal data about you to erase.',
  'erased.erased': 'What we erased:',
  'erased.kept': 'What we kept, and why:',
  'erased.questions': 'If you have any follow-up questions or concerns, please contact the site administrator.',

  'ack.subject': '[{site}] We received your request',
  'ack.received': 'We received your {request} on {date}.',
  'ack.dueLater': 'We will answer within the time the law gives us once you have confirmed the request.',
  'ack.due': 'We will answer by {date} ({law}).',
  'ack.identity': 'If we need to confirm that the request comes from you, we will write to you first.',

  'extension.subject': '[{site}] We need more time to answer your request',
  'extension.intro': 'We need more time to answer your {request}, as the law allows ({law}).',
  'extension.why': 'Why:',
  'extension.due': 'We will answer by {date}.',

  'denial.subject': '[{site}] Your request was declined',
  'denial.intro': 'We are not able to act on your {request}: {ground}.',
  'denial.reasons': 'Our reasons:',
  'denial.appeal': 'You may appeal this decision until\n{date} by following this link:',
  'ground.manifestly-unfounded': 'the request is manifestly unfounded',
  'ground.excessive': 'the request is manifestly excessive, in particular because it repeats earlier requests',
  'ground.identity-not-verified': 'we could not verify that the request comes from the person whose data it concerns',
  'ground.exemption': 'a legal exemption applies',

  'appeal.subject': '[{site}] The decision on your appeal',
  'appeal.reversed': 'We reviewed your appeal and reversed our decision: we will now act on your\n{request}, and write to you when it is done.',
  'appeal.upheld': 'We reviewed your appeal and upheld our decision to decline your\n{request}.',
} as const;

export type MessageKey = keyof typeof en;
export type Catalogue = Readonly<Record<MessageKey, string>>;
