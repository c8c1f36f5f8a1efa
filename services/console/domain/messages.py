"""Every text the console shows, in English and Japanese (the guideline's terms as it writes them).

One table, so a text missing in one language is a test failure, not a blank on a page.
"""
# Japanese is written with full-width punctuation (colon, brackets), on purpose.
# ruff: noqa: RUF001

from services.console.domain.language import Language

# key: (English, Japanese)
MESSAGES: dict[str, tuple[str, str]] = {
    "app.name": ("caselog console", "caselog コンソール"),
    "actions.heading": ("Record on this case", "この案件への記録"),
    "actions.recorded.contacts": ("The contact was recorded.", "応対を記録しました。"),
    "actions.recorded.facts": ("The fact check was recorded.", "事実確認を記録しました。"),
    "actions.recorded.close": ("The close request was recorded.", "終了依頼を記録しました。"),
    "actions.decided": (
        "Policy's decision on it is shown below.",
        "ポリシーの判定を下に表示しています。",
    ),
    "actions.pending": ("Policy has not decided yet.", "ポリシーはまだ判定していません。"),
    "actions.pending.waiting": (
        "Policy has not decided yet; this page shows the decision as soon as it is made.",
        "ポリシーはまだ判定していません。判定が出しだい、このページに表示します。",
    ),
    "actions.pending.gave_up": (
        "Still no decision after 30 seconds; reload the page later to see it.",
        "30 秒たっても判定が出ていません。後でページを再読み込みしてください。",
    ),
    "actions.reload": ("Reload", "再読み込み"),
    "actions.refused": (
        "Not recorded; correct this field",
        "記録されていません。次の項目を直してください",
    ),
    "actions.contact": ("Response or follow-up", "応対・追加の連絡"),
    "actions.kind": ("Who", "誰から"),
    "actions.kind.agent_response": ("Our response", "当社からの回答"),
    "actions.kind.customer_contact": ("The customer again", "お客様からの再度の連絡"),
    "actions.body": ("What was said", "内容"),
    "actions.final_answer": ("This is our final answer", "これを最終回答とする"),
    "actions.contact.send": ("Record the contact", "応対を記録する"),
    "actions.facts": ("Fact check", "事実確認"),
    "actions.finding.defect_confirmed": ("Product defect", "製品の欠陥"),
    "actions.finding.loss_confirmed": ("Customer's loss", "お客様の損害"),
    "actions.finding.value.unchecked": ("not checked", "未確認"),
    "actions.finding.value.true": ("confirmed", "確認した"),
    "actions.finding.value.false": ("ruled out", "否定された"),
    "actions.note": ("Note", "メモ"),
    "actions.facts.send": ("Record the fact check", "事実確認を記録する"),
    "actions.close": ("Ask to close", "終了を依頼する"),
    "actions.checks": (
        "What policy requires on the record before a case closes:",
        "終了前に記録に必要な項目（ポリシーの定め）：",
    ),
    "actions.item.content": ("what the customer asked", "相談の内容"),
    "actions.item.times": ("when it was received", "受付日時"),
    "actions.item.customer": ("the customer's name", "お客様の氏名"),
    "actions.item.channel": ("the channel", "受付窓口"),
    "actions.item.handler": ("an agent's recorded response", "担当者の回答の記録"),
    "actions.present": ("recorded", "記録あり"),
    "actions.missing": ("missing", "不足"),
    "actions.incomplete": (
        "Something is missing: policy will refuse this close request until it is recorded.",
        "不足があります。記録されるまでポリシーはこの終了依頼を認めません。",
    ),
    "actions.reason": ("Reason", "理由"),
    "actions.reason.satisfied": ("The customer is satisfied", "お客様が納得された"),
    "actions.reason.withdrawn": ("The customer withdrew", "お客様が取り下げた"),
    "actions.reason.persuasion_difficult": (
        "Persuasion is difficult (ends the response)",
        "説得困難（対応を終了する）",
    ),
    "actions.supervisor_approved": ("Approved by me, the supervisor", "責任者として承認する"),
    "actions.close.confirm": (
        "I confirm: ask policy to close this case",
        "この案件の終了をポリシーに依頼することを確認しました",
    ),
    "actions.close.send": ("Ask to close", "終了を依頼する"),
    "nav.home": ("Home", "ホーム"),
    "case.tab.proof": ("Proof", "証明"),
    "proof.title": ("Proof of the record", "記録の証明"),
    "proof.explained": (
        "Records produced this case's litigation bundle just now; the console checked it as"
        " `caselog verify --key` does, against the log key pinned in its configuration, not"
        " the key inside the bundle.",
        "記録サービスがこの案件の訴訟用バンドルを今作成し、コンソールが `caselog verify --key`"
        " と同じ検査を、バンドル内の鍵ではなく設定で固定したログの鍵で行いました。",
    ),
    "proof.verified": ("The bundle verifies.", "バンドルの検証に成功しました。"),
    "proof.not_verified": ("The bundle does NOT verify.", "バンドルの検証に失敗しました。"),
    "proof.check": ("Check", "検査"),
    "proof.result": ("Result", "結果"),
    "proof.check.format": ("Bundle file format", "バンドルのファイル形式"),
    "proof.check.key": ("Log key pinned in configuration", "設定で固定したログの鍵"),
    "proof.check.signature": (
        "Checkpoint signed with the pinned key",
        "チェックポイントの署名（固定した鍵）",
    ),
    "proof.check.events": (
        "Every event: its bytes, inclusion proof and case chain",
        "全イベント：バイト列・包含証明・案件チェーン",
    ),
    "proof.check.consistency": (
        "Consistency with the older checkpoint",
        "旧チェックポイントとの整合性",
    ),
    "proof.state.passed": ("passed", "合格"),
    "proof.state.failed": ("FAILED", "不合格"),
    "proof.state.not_run": ("not run (an earlier check failed)", "未実施（前の検査が不合格）"),
    "proof.fingerprint": (
        "Log public key fingerprint (SHA-256)",
        "ログ公開鍵のフィンガープリント（SHA-256）",
    ),
    "proof.checkpoint": ("Signed checkpoint", "署名付きチェックポイント"),
    "proof.download_bundle": ("Download the bundle (JSON)", "バンドルをダウンロード（JSON）"),
    "proof.exhibit": ("Printable exhibit", "印刷用の証拠資料"),
    "proof.exhibit_pdf": ("Exhibit as PDF", "証拠資料（PDF）"),
    "proof.given.title": ("Verify a bundle you were given", "受け取ったバンドルを検証する"),
    "proof.given.explained": (
        "The same checks, with the same pinned log key, on a bundle file from someone else:"
        " each check is shown passed or failed. Only the checks and the case id are shown,"
        " never what the bundle holds.",
        "他者から受け取ったバンドルファイルに、同じ検査を同じ固定済みのログの鍵で実施します。"
        "検査ごとに合否を表示します。表示するのは検査結果と案件 ID のみで、"
        "バンドルの中身は表示しません。",
    ),
    "proof.given.file": ("Bundle file (JSON)", "バンドルファイル（JSON）"),
    "proof.given.limit": ("At most {mib} MiB.", "{mib} MiB まで。"),
    "proof.given.too_large": (
        "This file is larger than {mib} MiB, the most this check accepts.",
        "このファイルは {mib} MiB を超えています。検証できるのは {mib} MiB までです。",
    ),
    "proof.given.submit": ("Verify the file", "ファイルを検証する"),
    "proof.given.verified": (
        "The file you gave verifies.",
        "受け取ったファイルの検証に成功しました。",
    ),
    "proof.given.not_verified": (
        "The file you gave does NOT verify: see the failed check.",
        "受け取ったファイルの検証に失敗しました。不合格の検査を確認してください。",
    ),
    "proof.given.not_a_bundle": (
        "This file is not a caselog bundle (caselog.bundle.v1): nothing in it could be checked.",
        "このファイルは caselog のバンドル（caselog.bundle.v1）ではありません。検査できません。",
    ),
    "proof.given.case": ("Case in the file:", "ファイルの案件："),
    "proof.given.other_case": ("not this case", "この案件ではありません"),
    "proof.given.events": ("events:", "イベント数："),
    "exhibit.title": ("Exhibit: the record of case", "証拠資料：案件の記録"),
    "exhibit.explained": (
        "Event types, times, hashes and decisions as the log holds them; no personal data.",
        "ログが保持するイベントの種類・日時・ハッシュ・判定のみを記載し、個人情報は含みません。",
    ),
    "exhibit.root_hash": ("Root hash", "ルートハッシュ"),
    "exhibit.decisions": ("Decisions and the articles they cite", "判定と引用された条項"),
    "exhibit.timeline": ("Timeline", "タイムライン"),
    "exhibit.type": ("Event type", "イベントの種類"),
    "exhibit.occurred": ("happened", "発生"),
    "exhibit.recorded": ("recorded", "記録"),
    "exhibit.proofs": ("Leaf hashes and inclusion proofs", "リーフハッシュと包含証明"),
    "exhibit.leaf_index": ("Leaf", "リーフ"),
    "exhibit.event": ("Event", "イベント"),
    "exhibit.leaf_hash": ("Leaf hash (RFC 9162)", "リーフハッシュ（RFC 9162）"),
    "exhibit.proof": ("Inclusion proof", "包含証明"),
    "exhibit.hashes": ("hashes to the signed root", "個のハッシュで署名済みルートへ"),
    "exhibit.how": ("How to verify this independently", "独立した検証の方法"),
    "exhibit.how_explained": (
        "Fetch the bundle and the log's key, compare the key's fingerprint with the one above,"
        " and run the verifier offline:",
        "バンドルとログの鍵を取得し、鍵のフィンガープリントを上記と照合してから、"
        "オフラインで検証ツールを実行します：",
    ),
    "nav.privacy": ("Privacy", "個人情報保護"),
    "nav.api_docs": ("API docs", "API ドキュメント"),
    "nav.skip": ("Skip to content", "本文へ移動"),
    "language.label": ("Language", "言語"),
    "language.switch": ("Switch", "切り替え"),
    "signin.title": ("Sign in", "サインイン"),
    "signin.development": (
        "Development sign-in: pick the role to act as. Production signs in through your"
        " identity provider (OpenID Connect) instead.",
        "開発用サインイン：操作するロールを選んでください。本番環境では ID プロバイダー"
        "（OpenID Connect）でサインインします。",
    ),
    "signin.role": ("Role", "ロール"),
    "signin.submit": ("Sign in", "サインイン"),
    "signin.refused": (
        "Development sign-in is refused in production, and no identity provider is configured.",
        "本番環境では開発用サインインは使えません。ID プロバイダーも設定されていません。",
    ),
    "signin.unconfigured": (
        "Sign-in is off: this console runs in production without an identity provider."
        " An administrator sets CASELOG_CONSOLE_OIDC_ISSUER and CASELOG_CONSOLE_OIDC_CLIENT_ID."
        " The services' APIs answer as usual.",
        "サインインは無効です：このコンソールは ID プロバイダーなしで本番環境として動いています。"
        "管理者が CASELOG_CONSOLE_OIDC_ISSUER と CASELOG_CONSOLE_OIDC_CLIENT_ID を"
        "設定してください。"
        "各サービスの API は通常どおり応答します。",
    ),
    "signin.oidc": (
        "Sign in with your organisation's account (OpenID Connect).",
        "組織のアカウントでサインインします（OpenID Connect）。",
    ),
    "signin.oidc_submit": ("Sign in with the identity provider", "ID プロバイダーでサインイン"),
    "signin.done": ("Signed in", "サインインしました"),
    "signin.to_provider": ("To your identity provider", "ID プロバイダーへ移動します"),
    "signin.continue_provider": ("Continue", "進む"),
    "signout.to_provider": (
        "Signed out here; ending your identity provider's session",
        "サインアウトしました。ID プロバイダーのセッションも終了します",
    ),
    "signin.continue": ("Continue to the console", "コンソールへ進む"),
    "signin.flow_lost": (
        "This sign-in was not started here, or took too long. Please sign in again.",
        "このサインインはここで開始されていないか、時間がかかりすぎました。もう一度サインインしてください。",
    ),
    "signin.provider_refused": (
        "The identity provider did not sign you in. Please sign in again.",
        "ID プロバイダーでサインインできませんでした。もう一度サインインしてください。",
    ),
    "signin.no_role": (
        "Your account has no caselog role. Ask your administrator for one.",
        "あなたのアカウントには caselog のロールがありません。管理者に依頼してください。",
    ),
    "signin.no_provider": (
        "No identity provider is configured for this console.",
        "このコンソールには ID プロバイダーが設定されていません。",
    ),
    "signin.again": (
        "Your session is not valid (expired or altered). Please sign in again.",
        "セッションが無効です（期限切れまたは改変）。もう一度サインインしてください。",
    ),
    "signout": ("Sign out", "サインアウト"),
    "signed_in_as": ("Signed in as", "サインイン中："),
    "role.platform": ("Support platform", "サポートプラットフォーム"),
    "role.agent": ("Support agent", "担当者"),
    "role.supervisor": ("Supervisor", "責任者"),
    "role.legal": ("Legal", "法務"),
    "role.privacy_officer": ("Privacy officer", "個人情報保護責任者"),
    "role.admin": ("Administrator", "管理者"),
    "home.title": ("What you can do", "できること"),
    "home.open_case": ("Open a case", "案件を開く"),
    "home.case_id": ("Case id", "案件 ID"),
    "home.open": ("Open", "開く"),
    "home.can.read_cases": (
        "Read a case: the consultation, contacts, decisions and the timeline with both clocks.",
        "案件を読む：相談内容、対応履歴、判断、二つの時刻を持つタイムライン。",
    ),
    "home.can.as_of": (
        "See a case as it stood at any moment (as-of).",
        "任意の時点での案件の状態を見る（as-of）。",
    ),
    "home.can.reveal": (
        "Reveal personal data for a stated purpose; every reveal is recorded in the log.",
        "目的を示して個人情報を表示する。表示は必ずログに記録されます。",
    ),
    "home.can.privacy": (
        "See what retention has made due or overdue, what holds keep, and late requests.",
        "保存期間が到来・超過した記録、保全（ホールド）、期限を過ぎた請求を見る。",
    ),
    "home.can.api": (
        "Use the services' APIs (the documentation works offline).",
        "各サービスの API を使う（ドキュメントはオフラインで表示できます）。",
    ),
    "case.title": ("Case", "案件"),
    "case.tabs": ("Case views", "案件の表示"),
    "case.tab.case": ("Case and timeline", "案件とタイムライン"),
    "case.tab.access": ("Access trail", "閲覧記録"),
    "access.title": ("Access trail", "閲覧記録"),
    "access.explained": (
        "Every reveal of this case's personal data, and every search that found the case by"
        " the subject's e-mail or phone, newest first: who, when, why and what (never the"
        " values). Each is an event in the log.",
        "この案件の個人情報が表示されるたびの記録と、本人のメールアドレス・電話番号による検索で"
        "この案件が見つかるたびの記録（新しい順）：誰が、いつ、何のために、何を"
        "（値は記録しません）。それぞれがログのイベントです。",
    ),
    "access.when": ("When", "日時"),
    "access.who": ("Who", "閲覧者"),
    "access.why": ("Purpose or matter", "目的・案件番号"),
    "access.what": ("What was read", "閲覧した内容"),
    "access.entry": ("Log event", "ログのイベント"),
    "access.events": ("event(s)", "件のイベント"),
    "access.view.timeline": ("timeline", "タイムライン"),
    "access.view.bundle": ("litigation bundle", "訴訟用バンドル"),
    "access.view.subject_search": (
        "search by the subject's e-mail or phone",
        "本人のメールアドレス・電話番号による検索",
    ),
    "access.cases_found": ("case(s) found", "件の案件が該当"),
    "access.none": (
        "No one has revealed this case's personal data.",
        "この案件の個人情報はまだ誰も表示していません。",
    ),
    "case.summary": ("Summary", "概要"),
    "case.status": ("Status", "状態"),
    "case.channel": ("Channel", "受付チャネル"),
    "case.opened_at": ("Opened", "受付日時"),
    "case.events": ("Events", "イベント数"),
    "case.holds": ("Holds in force", "有効な保全"),
    "case.none": ("none", "なし"),
    "case.erasure": ("Personal data", "個人情報"),
    "case.erasure.present": ("kept encrypted", "暗号化して保管"),
    "case.erasure.anonymized": ("anonymized", "匿名化済み"),
    "case.erasure.erased": ("erased (keys destroyed)", "消去済み（鍵を破棄）"),
    "case.accesses": ("Recorded reveals", "記録された閲覧"),
    "case.thread": ("Consultation and contacts", "相談と対応の経過"),
    "case.encrypted": (
        "[encrypted — reveal to read]",
        "［暗号化されています — 表示するには閲覧目的を入力］",
    ),
    "case.unreadable": ("[erased]", "［消去済み］"),
    "case.decisions": ("Decisions", "判断"),
    "case.no_decisions": ("No decision at this moment.", "この時点では判断はありません。"),
    "case.outcome": ("Outcome", "判断結果"),
    "case.rule": ("Rule", "ルール"),
    "case.article": ("Guideline article", "ガイドライン条項"),
    "case.evidence": ("Evidence", "根拠"),
    "case.actions": ("What to do", "対応"),
    "case.policy_version": ("Policy version", "ポリシー版"),
    "case.timeline": ("Timeline", "タイムライン"),
    "case.latest_events": (
        "A long case: this page shows only its latest events (shown / in all)",
        "長い案件のため、このページには最新のイベントのみを表示しています（表示数 / 全体）",
    ),
    "case.latest_events.all": (
        "The litigation bundle and the exhibit (Proof tab) hold every event.",
        "訴訟用バンドルと証拠書面（証明タブ）にはすべてのイベントが含まれます。",
    ),
    "case.event": ("Event", "イベント"),
    "case.occurred_at": ("Happened", "発生日時"),
    "case.recorded_at": ("Recorded", "記録日時"),
    "case.position": ("Log index", "ログ番号"),
    "case.as_of": ("As of", "時点"),
    "case.as_of.now": ("Now (everything recorded)", "現在（記録済みのすべて）"),
    "case.as_of.after": ("Just after", "直後："),
    "case.as_of.moment": ("Moment", "時点の選択"),
    "case.as_of.other": (
        "Or any moment (your time zone)",
        "または任意の時点（あなたのタイムゾーン）",
    ),
    "case.as_of.show": ("Show the case then", "その時点の案件を表示"),
    "case.as_of.showing": (
        "Showing the case as recorded by",
        "次の時点までに記録された案件を表示中：",
    ),
    "case.reveal": ("Reveal personal data", "個人情報を表示"),
    "case.reveal.purpose": (
        "Purpose or matter reference (recorded in the log; never personal data)",
        "目的または案件番号（ログに記録されます。個人情報は書かないでください）",
    ),
    "case.reveal.submit": ("Reveal and record the access", "表示して閲覧を記録"),
    "case.reveal.recorded": (
        "This access was recorded in the log as event",
        "この閲覧はログにイベントとして記録されました：",
    ),
    "case.reveal.purpose_shown": ("Purpose", "目的"),
    "outcome.accept": ("accept", "受付"),
    "outcome.restrict": ("restrict", "制限付き対応"),
    "outcome.refuse": ("refuse", "対応拒否"),
    "outcome.escalate": ("escalate", "エスカレーション"),
    "status.open": ("open", "対応中"),
    "status.decided": ("decided", "判断済み"),
    "status.closed": ("closed", "終了"),
    "channel.phone": ("phone", "電話"),
    "channel.email": ("e-mail", "電子メール"),
    "channel.chat": ("chat", "チャット"),
    "channel.web_form": ("web form", "Web フォーム"),
    "channel.sns": ("social media", "SNS"),
    "channel.visit": ("visit", "来訪"),
    "channel.letter": ("letter", "書面"),
    "channel.other": ("other", "その他"),
    "state.open": ("open", "対応中"),
    "state.decided": ("decided", "判断済み"),
    "state.closed": ("closed", "終了"),
    "state.held": ("held", "保全中"),
    "state.anonymized": ("anonymized", "匿名化済み"),
    "state.erased": ("erased", "消去済み"),
    "nav.search": ("Find cases", "案件検索"),
    "search.title": ("Find cases", "案件検索"),
    "search.ticket": ("Platform ticket id", "プラットフォームのチケット ID"),
    "search.opened_from": ("Opened on or after", "受付日（から）"),
    "search.opened_to": ("Opened on or before", "受付日（まで）"),
    "search.opened_at": ("Opened", "受付日時"),
    "search.channel": ("Channel", "受付窓口"),
    "search.outcome": ("Latest outcome", "最新の判断"),
    "search.state": ("State", "状態"),
    "search.rule": ("Rule that fired", "該当したルール"),
    "search.events": ("Events", "イベント数"),
    "search.any": ("any", "指定なし"),
    "search.hint": (
        "Every filter given must match; dates are days in your time zone. Searching by the"
        " customer's e-mail or phone is not offered here: no personal data is searched.",
        "指定した条件をすべて満たす案件を表示します。日付はあなたのタイムゾーンの日です。顧客の"
        "メールアドレスや電話番号による検索はここではできません（個人情報は検索しません）。",
    ),
    "search.submit": ("Search", "検索"),
    "search.results": ("Cases found", "該当する案件"),
    "search.showing": ("Showing", "表示中"),
    "search.none": ("No case matches.", "該当する案件はありません。"),
    "search.pages": ("Pages", "ページ"),
    "search.page": ("Page", "ページ"),
    "search.previous": ("Previous", "前へ"),
    "search.next": ("Next", "次へ"),
    "search.subject.title": (
        "Find by the subject's e-mail or phone",
        "本人のメールアドレス・電話番号で検索",
    ),
    "search.subject.explain": (
        "For legal and privacy officers: the cases of the person an e-mail address or phone"
        " number leads to, through the subject index. The search itself is recorded in the log"
        " as an access (who, when, why) and shows in each case's access trail; the e-mail or"
        " phone is never recorded.",
        "法務・個人情報保護担当者向け：本人インデックスを使い、メールアドレスまたは電話番号から"
        "その本人の案件を探します。検索そのものが閲覧としてログに記録され（誰が、いつ、何のために）、"
        "各案件の閲覧記録に表示されます。メールアドレス・電話番号は記録しません。",
    ),
    "search.subject.identity": (
        "The subject's e-mail address or phone number",
        "本人のメールアドレスまたは電話番号",
    ),
    "search.subject.purpose": (
        "Purpose (required; recorded in the log, never personal data)",
        "目的（必須。ログに記録されます。個人情報は書かないでください）",
    ),
    "search.subject.matter": ("Matter reference (optional)", "案件番号（任意）"),
    "search.subject.submit": ("Search and record the access", "検索して閲覧を記録"),
    "search.subject.recorded": (
        "This search was recorded as an access (who, when, why)",
        "この検索は閲覧として記録されました（誰が、いつ、何のために）",
    ),
    "search.subject.none": (
        "No case of this subject is known (the search was recorded all the same).",
        "この本人の案件は見つかりませんでした（検索は記録されています）。",
    ),
    "search.subject.closed_at": ("Closed", "終了日時"),
    "privacy.title": (
        "Privacy: retention, holds and requests",
        "個人情報保護：保存期間・保全・請求",
    ),
    "privacy.retention": ("Retention", "保存期間"),
    "privacy.retention.as_of": ("Looked at", "確認時点"),
    "privacy.due": ("Due", "期限到来"),
    "privacy.overdue": ("Overdue", "期限超過"),
    "privacy.held": ("Held", "保全中"),
    "privacy.nothing": ("nothing", "なし"),
    "privacy.chart.title": (
        "Case records falling due, month by month (next 12 months)",
        "月別の保存期間満了件数（今後12か月）",
    ),
    "privacy.chart.desc": (
        "Bars per month: records due and records kept by a legal hold.",
        "月ごとの棒：期限到来の記録件数と保全により保持される件数。",
    ),
    "privacy.chart.month": ("Month", "月"),
    "privacy.kind": ("Record", "記録"),
    "privacy.ends_at": ("Retention ended", "保存期間の終了"),
    "privacy.holds": ("Holds in force", "有効な保全"),
    "privacy.matter": ("Matter", "案件番号"),
    "privacy.scope": ("Scope", "対象"),
    "privacy.placed_at": ("Placed", "設定日時"),
    "privacy.requests": ("Requests past their due date", "期限を過ぎた請求"),
    "privacy.open_requests": ("Open requests", "未完了の請求"),
    "privacy.request": ("Request", "請求"),
    "privacy.due_at": ("Due", "期限"),
    "privacy.overdue_days": ("Days overdue", "超過日数"),
    "privacy.officer_only": (
        "Only a privacy officer may look at the retention sweep.",
        "保存期間の確認は個人情報保護責任者のみが行えます。",
    ),
    "privacy.sweep.run": ("Run the retention sweep", "保存期間の処理を実行"),
    "privacy.sweep.explain": (
        "Anonymizes every record listed as due above and expires its recordings and copies;"
        " held records are skipped. This cannot be undone.",
        "上の「期限到来」の記録をすべて匿名化し、録音と複製を失効させます。保全中の記録は対象外です。"
        "元に戻せません。",
    ),
    "privacy.sweep.confirm": (
        "To confirm, type the number of records due:",
        "確認のため、期限到来の件数を入力してください：",
    ),
    "privacy.sweep.submit": ("Run the sweep", "実行する"),
    "privacy.sweep.changed": (
        "Nothing was run: the records due are not the number typed (or changed since the page"
        " was shown). Review the list below and confirm again.",
        "実行していません：入力された件数が期限到来の件数と一致しません（または表示後に変わりました）。"
        "下の一覧を確認して、もう一度確認してください。",
    ),
    "privacy.sweep.ran": ("The sweep ran", "処理を実行しました"),
    "privacy.sweep.done": ("completed", "完了"),
    "privacy.sweep.failed": ("failed (retried by the next sweep)", "失敗（次回の処理で再試行）"),
    "privacy.hold.place": ("Place a hold", "保全を設定する"),
    "privacy.hold.one_target": (
        "Fill in one: a case id, or the subject's e-mail or phone to hold every case of"
        " theirs, present and future.",
        "どちらか一方を入力します：案件 ID、または本人のメールアドレスか電話番号"
        "（本人の現在と今後のすべての案件を保全します）。",
    ),
    "privacy.hold.subject": (
        "or the subject's e-mail or phone",
        "または本人のメールアドレス・電話番号",
    ),
    "privacy.hold.reason": (
        "Reason (name the matter, not a person)",
        "理由（人ではなく案件を記載）",
    ),
    "privacy.hold.placed": ("The hold was placed.", "保全を設定しました。"),
    "privacy.hold.release": ("Release", "解除"),
    "privacy.hold.release_confirm": (
        "Type the matter reference to release",
        "解除するには案件番号を入力",
    ),
    "privacy.hold.released": (
        "The hold was released; its cases stay kept for the cooling-off period.",
        "保全を解除しました。猶予期間中は引き続き保持されます。",
    ),
    "privacy.hold.release_asked": (
        "Release asked for: a second person must confirm it (two-person rule).",
        "解除を申請しました：二人目の承認が必要です（二人承認ルール）。",
    ),
    "requests.title": ("Data subjects' requests", "本人からの請求"),
    "requests.queue": ("Access and erasure requests", "開示・消去の請求"),
    "requests.kind": ("Kind", "種別"),
    "requests.kind.access": ("access (disclosure)", "開示請求"),
    "requests.kind.erasure": ("erasure", "利用停止・消去の請求"),
    "requests.status": ("Status", "状態"),
    "requests.status.open": ("open", "未完了"),
    "requests.status.fulfilled": ("answered", "完了"),
    "requests.status.partial": (
        "partly answered (held cases kept)",
        "一部完了（保全中の案件は保持）",
    ),
    "requests.status.no_match": ("no subject matched", "該当する本人なし"),
    "requests.received_at": ("Received", "受付日時"),
    "requests.days_left": ("Days left", "残り日数"),
    "requests.subject": (
        "The subject's e-mail address or phone number",
        "本人のメールアドレスまたは電話番号",
    ),
    "requests.access": (
        "Export a subject's data (access request)",
        "本人のデータを開示する（開示請求）",
    ),
    "requests.access.explain": (
        "Registers an access request and shows everything kept about the subject; the"
        " export is recorded as an access.",
        "開示請求を登録し、本人について保存しているすべてを表示します。開示はアクセスとして記録されます。",
    ),
    "requests.access.submit": ("Register and export", "登録して開示する"),
    "requests.erasure": ("Erase a subject", "本人のデータを消去する"),
    "requests.erasure.explain": (
        "First shows what would be destroyed and what is held; nothing changes until you confirm.",
        "まず消去される内容と保全中の内容を表示します。確認するまで何も変更されません。",
    ),
    "requests.erasure.preview": ("Show what would be erased", "消去される内容を確認する"),
    "requests.will_erase": ("Cases whose keys are destroyed", "鍵を破棄する案件"),
    "requests.will_keep": ("Cases held, and kept", "保全中のため保持する案件"),
    "requests.residual": (
        "Backup copies of the destroyed keys stay readable until their key epoch closes; the"
        " receipt says when.",
        "破棄した鍵のバックアップ上の写しは、鍵エポックが閉じるまで読み取り可能です。時期は受領証に記載されます。",
    ),
    "requests.erasure.irreversible": (
        "Erasure cannot be undone. Type the subject's e-mail address or phone number again"
        " to confirm.",
        "消去は取り消せません。確認のため、本人のメールアドレスまたは電話番号をもう一度入力してください。",
    ),
    "requests.erasure.confirm": (
        "The subject's e-mail address or phone number, again",
        "本人のメールアドレスまたは電話番号（再入力）",
    ),
    "requests.erasure.submit": ("Erase", "消去する"),
    "requests.erasure.done": ("The subject was erased.", "本人のデータを消去しました。"),
    "requests.receipt.title": ("Erasure receipt", "消去の受領証"),
    "requests.receipt.json": ("Download the receipt (JSON)", "受領証をダウンロード（JSON）"),
    "requests.receipts": ("Erasure receipts", "消去の受領証"),
    "requests.completed_at": ("Completed", "完了日時"),
    "requests.verification": ("Verification", "検証"),
    "requests.download": ("Download", "ダウンロード"),
    "requests.verified": ("verified", "検証済み"),
    "requests.not_verified": ("does not verify", "検証に失敗"),
    "requests.state.pending": (
        "keys destroyed; backups unreadable once the epoch closes",
        "鍵を破棄済み。エポック終了後にバックアップも読めなくなります",
    ),
    "requests.state.complete": ("complete", "完了"),
    "requests.erased_cases": ("cases erased", "消去した案件"),
    "requests.held_cases": ("held", "保全中"),
    "requests.pinned_key": ("checked with privacy's key", "プライバシーサービスの鍵で検証"),
    "requests.bound_at": (
        "bound to the log at checkpoint",
        "ログに結び付け済み：チェックポイント",
    ),
    "requests.binding_pending": (
        "not yet in a signed checkpoint of the log",
        "まだログの署名付きチェックポイントに含まれていません",
    ),
    "requests.export.title": ("Access export", "開示データ"),
    "requests.export.json": ("Download as JSON", "JSON でダウンロード"),
    "requests.export.pdf": ("Download as PDF", "PDF でダウンロード"),
    "requests.export.recorded": (
        "Each download is a new export, which privacy records as an access (who, when).",
        "ダウンロードのたびに新たな開示となり、プライバシーサービスがアクセスとして記録します（誰が・いつ）。",
    ),
    "requests.export.cases": ("Cases", "案件"),
    "requests.generated_at": ("Generated", "作成日時"),
    "requests.opened_at": ("Opened", "開始"),
    "requests.closed_at": ("closed", "終了"),
    "error.title": ("Something went wrong", "エラー"),
    "error.not_found": (
        "There is no such case, or it has no events yet.",
        "該当する案件がないか、まだイベントがありません。",
    ),
    "error.forbidden": (
        "Your role may not see this.",
        "あなたのロールではこの情報を見られません。",
    ),
    "error.csrf": (
        "This form did not come from this console, or it expired (CSRF check). Reload the"
        " page and try again.",
        "このフォームはこのコンソールから送信されたものではないか、期限切れです（CSRF 検査）。"
        "ページを再読み込みしてやり直してください。",
    ),
    "error.bad_input": ("The form was not filled in correctly", "入力内容に誤りがあります"),
    "error.upload_too_large": (
        "The file is larger than the console accepts. At most, in MiB",
        "ファイルが大きすぎます。受け付ける上限（MiB）",
    ),
    "error.unavailable": (
        "A service did not answer. Try again in a moment.",
        "サービスが応答しません。しばらくしてからやり直してください。",
    ),
    "time.utc_hint": (
        "Times are in your time zone; hover for UTC.",
        "時刻はあなたのタイムゾーンで表示します。UTC はマウスを重ねると表示されます。",
    ),
}


def message(key: str, language: Language) -> str:
    """The text of `key`; an unknown key shows itself, so a typo is visible on the page."""
    texts = MESSAGES.get(key)
    if texts is None:
        return key
    return texts[0] if language == "en" else texts[1]


RULE_NAMES: dict[str, tuple[str, str]] = {
    "channel": ("channel", "受付窓口"),
    "scope-identity": ("scope: identity", "対象者（氏名・連絡先）"),
    "scope-relationship": ("scope: relationship", "対象者（購入者・購入予定者）"),
    "conduct": ("conduct", "社会通念上相当な範囲を超える言動"),
    "legitimate-complaint": ("legitimate complaint", "正当なクレーム"),
    "demand-validity": ("demand validity", "要求内容の妥当性"),
    "demand-proportionality": ("demand proportionality", "要求手段・態様の相当性"),
    "repeat": ("repeat", "繰り返しの要求"),
    "time-restraint": ("time restraint", "時間拘束"),
    "termination": ("termination", "相談の終了"),
    "record-completeness": ("record completeness", "記録"),
    "recording": ("recording", "録音"),
    "confidentiality": ("confidentiality", "秘密保持"),
    "damages": ("damages", "損害賠償"),
}


def rule_name(rule: str, language: Language) -> str:
    names = RULE_NAMES.get(rule)
    if names is None:
        return rule
    return names[0] if language == "en" else names[1]
