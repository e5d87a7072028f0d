/** Français. Keys: lib/messages/en.ts. */
import type { Catalogue } from './en.ts';

export const fr: Catalogue = {
  'mail.greeting': 'Bonjour,',
  'mail.regards': 'Cordialement,',
  'mail.allAt': 'L’équipe de {site}',

  'action.export': 'Exporter les données personnelles',
  'action.erase': 'Effacer les données personnelles',
  'request.export': 'demande de copie de vos données personnelles',
  'request.erase': 'demande d’effacement de vos données personnelles',

  'confirm.subject': '[{site}] Confirmer l’action : {action}',
  'confirm.intro': 'L’action suivante a été demandée pour votre compte :',
  'confirm.click': 'Pour la confirmer, veuillez cliquer sur ce lien :',
  'confirm.until': 'Le lien est valable jusqu’au {date}.',
  'confirm.ignore': 'Si vous ne souhaitez pas cette action, vous pouvez ignorer\net supprimer cet e-mail.',

  'download.subject': '[{site}] Export de données personnelles',
  'download.body':
    'Votre demande d’export de vos données personnelles est traitée. Vous pouvez\ntélécharger vos données grâce au lien ci-dessous. Pour protéger vos données,\nnous supprimerons automatiquement le fichier le {date} ;\nveuillez le télécharger avant cette date.',

  'erased.subject': '[{site}] Demande d’effacement traitée',
  'erased.done': 'Votre demande d’effacement de vos données personnelles sur {site} est traitée.',
  'erased.nothing': 'Nous n’avons trouvé aucune donnée personnelle vous concernant à effacer.',
  'erased.erased': 'Ce que nous avons effacé :',
  'erased.kept': 'Ce que nous conservons, et pourquoi :',
  'erased.questions': 'Pour toute question, veuillez contacter l’administrateur du site.',

  'ack.subject': '[{site}] Nous avons reçu votre demande',
  'ack.received': 'Nous avons reçu votre {request} le {date}.',
  'ack.dueLater': 'Nous répondrons dans le délai légal dès que vous aurez confirmé la demande.',
  'ack.due': 'Nous répondrons au plus tard le {date} ({law}).',
  'ack.identity': 'Si nous devons vérifier que la demande vient de vous, nous vous écrirons d’abord.',

  'extension.subject': '[{site}] Nous avons besoin de plus de temps pour répondre à votre demande',
  'extension.intro': 'Nous avons besoin de plus de temps pour répondre à votre {request}, comme la loi le permet ({law}).',
  'extension.why': 'La raison :',
  'extension.due': 'Nous répondrons au plus tard le {date}.',

  'denial.subject': '[{site}] Votre demande a été refusée',
  'denial.intro': 'Nous ne pouvons pas donner suite à votre {request} : {ground}.',
  'denial.reasons': 'Nos raisons :',
  'denial.appeal': 'Vous pouvez contester cette décision jusqu’au\n{date} en suivant ce lien :',
  'ground.manifestly-unfounded': 'la demande est manifestement infondée',
  'ground.excessive': 'la demande est manifestement excessive, notamment parce qu’elle répète des demandes antérieures',
  'ground.identity-not-verified': 'nous n’avons pas pu vérifier que la demande émane de la personne concernée',
  'ground.exemption': 'une exception légale s’applique',

  'appeal.subject': '[{site}] La décision sur votre recours',
  'appeal.reversed':
    'Nous avons examiné votre recours et annulé notre décision : nous traitons maintenant votre\n{request} et vous écrirons lorsqu’elle sera traitée.',
  'appeal.upheld': 'Nous avons examiné votre recours et maintenons notre refus de votre\n{request}.',
};
