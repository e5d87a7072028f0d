/** Deutsch. Keys: lib/messages/en.ts. */
import type { Catalogue } from './en.ts';

export const de: Catalogue = {
  'mail.greeting': 'Hallo,',
  'mail.regards': 'Mit freundlichen Grüßen',
  'mail.allAt': 'Ihr Team von {site}',

  'action.export': 'Personenbezogene Daten exportieren',
  'action.erase': 'Personenbezogene Daten löschen',
  'request.export': 'Antrag auf eine Kopie Ihrer personenbezogenen Daten',
  'request.erase': 'Antrag auf Löschung Ihrer personenbezogenen Daten',

  'confirm.subject': '[{site}] Aktion bestätigen: {action}',
  'confirm.intro': 'Für Ihr Konto wurde die folgende Aktion beantragt:',
  'confirm.click': 'Um sie zu bestätigen, klicken Sie bitte auf diesen Link:',
  'confirm.until': 'Der Link gilt bis {date}.',
  'confirm.ignore': 'Wenn Sie diese Aktion nicht wünschen, können Sie diese E-Mail\neinfach ignorieren und löschen.',

  'download.subject': '[{site}] Export personenbezogener Daten',
  'download.body':
    'Ihr Antrag auf einen Export Ihrer personenbezogenen Daten ist erledigt. Sie können\nIhre Daten über den folgenden Link herunterladen. Zum Schutz Ihrer Daten\nlöschen wir die Datei am {date} automatisch;\nbitte laden Sie sie vorher herunter.',

  'erased.subject': '[{site}] Löschantrag erledigt',
  'erased.done': 'Ihr Antrag auf Löschung Ihrer personenbezogenen Daten bei {site} ist erledigt.',
  'erased.nothing': 'Wir haben keine personenbezogenen Daten über Sie gefunden, die zu löschen wären.',
  'erased.erased': 'Was wir gelöscht haben:',
  'erased.kept': 'Was wir aufbewahren, und warum:',
  'erased.questions': 'Bei Fragen wenden Sie sich bitte an die Betreiber der Website.',

  'ack.subject': '[{site}] Wir haben Ihren Antrag erhalten',
  'ack.received': 'Wir haben Ihren {request} am {date} erhalten.',
  'ack.dueLater': 'Wir antworten innerhalb der gesetzlichen Frist, sobald Sie den Antrag bestätigt haben.',
  'ack.due': 'Wir antworten bis {date} ({law}).',
  'ack.identity': 'Falls wir bestätigen müssen, dass der Antrag von Ihnen stammt, schreiben wir Ihnen zuerst.',

  'extension.subject': '[{site}] Wir benötigen mehr Zeit für die Antwort auf Ihren Antrag',
  'extension.intro': 'Wir benötigen mehr Zeit, um Ihren {request} zu beantworten, wie es das Gesetz erlaubt ({law}).',
  'extension.why': 'Der Grund:',
  'extension.due': 'Wir antworten bis {date}.',

  'denial.subject': '[{site}] Ihr Antrag wurde abgelehnt',
  'denial.intro': 'Wir können Ihrem {request} nicht nachkommen: {ground}.',
  'denial.reasons': 'Unsere Gründe:',
  'denial.appeal': 'Sie können gegen diese Entscheidung bis {date}\nWiderspruch einlegen, über diesen Link:',
  'ground.manifestly-unfounded': 'der Antrag ist offenkundig unbegründet',
  'ground.excessive': 'der Antrag ist offenkundig exzessiv, insbesondere weil er frühere Anträge wiederholt',
  'ground.identity-not-verified': 'wir konnten nicht überprüfen, dass der Antrag von der betroffenen Person stammt',
  'ground.exemption': 'eine gesetzliche Ausnahme greift',

  'appeal.subject': '[{site}] Die Entscheidung über Ihren Widerspruch',
  'appeal.reversed':
    'Wir haben Ihren Widerspruch geprüft und unsere Entscheidung aufgehoben: Wir bearbeiten nun\nIhren {request} und schreiben Ihnen, sobald er erledigt ist.',
  'appeal.upheld': 'Wir haben Ihren Widerspruch geprüft und bleiben bei unserer Entscheidung, Ihren\n{request} abzulehnen.',
};
