"use client";
import { useState } from "react";
import { PushSetup } from "@/components/alerts/push-setup";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input, NativeSelect } from "@/components/ui/input";
import { useSaveAlertConfig } from "@/hooks/queries/alerts";
import { alertCodesToWords, errorField, hhmm, kindLabel } from "@/lib/alerts";
import { ApiError } from "@/lib/api";
import type { AlertConfig, AlertSettingsIn } from "@/lib/api-types";
import { formatDateTime } from "@/lib/time";
import { errorMessage } from "@/lib/utils";

type Kind = NonNullable<AlertSettingsIn["quiet_kinds"]>[number];

/** Save part of the settings; a 422 comes back as words and the field it names. */
function useSettingsForm() {
  const save = useSaveAlertConfig();
  const [error, setError] = useState<{ text: string; field: string | null } | null>(null);
  const [saved, setSaved] = useState(false);
  async function submit(settings: AlertSettingsIn) {
    setError(null);
    setSaved(false);
    try {
      await save.mutateAsync({ settings, confirm_disable_urgent_low: false });
      setSaved(true);
    } catch (e) {
      const f = e instanceof ApiError ? errorField(e.details[0]?.field) : null;
      setError({ text: alertCodesToWords(errorMessage(e)), field: f?.field ?? null });
    }
  }
  return { submit, busy: save.isPending, error, saved, fieldError: (name: string) => (error?.field === name ? error.text : null) };
}

/** "Saved.", or the error unless a field of this form already shows it (`shown`). */
function Status({ form, testId, shown = [] }: { form: ReturnType<typeof useSettingsForm>; testId: string; shown?: string[] }) {
  if (form.error && !shown.includes(form.error.field ?? "")) {
    return (
      <p className="text-sm text-red-700" role="alert">
        {form.error.text}
      </p>
    );
  }
  if (form.error) return null;
  return form.saved ? (
    <span className="text-sm text-green-700" role="status" data-testid={testId}>
      Saved.
    </span>
  ) : null;
}

export function QuietHours({ config }: { config: AlertConfig }) {
  const s = config.settings;
  const allowed = config.kinds.filter((k) => k.quiet_allowed).map((k) => k.kind as Kind);
  const [start, setStart] = useState(hhmm(s.quiet_start));
  const [end, setEnd] = useState(hhmm(s.quiet_end));
  const [kinds, setKinds] = useState<Kind[]>(() => (s.quiet_kinds as Kind[]).filter((k) => allowed.includes(k)));
  const form = useSettingsForm();
  return (
    <Card>
      <CardHeader>
        <CardTitle>Quiet hours</CardTitle>
        <CardDescription>
          Local time in {s.timezone}. Quiet hours can silence the kinds ticked below; urgent low, urgent low soon and no-data alerts always
          sound. Silenced alerts stay in the history with &ldquo;Not sent: quiet hours&rdquo;.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            void form.submit({ quiet_start: start || null, quiet_end: end || null, quiet_kinds: kinds });
          }}
        >
          <div className="grid max-w-md grid-cols-2 gap-3">
            <Field id="quiet-start" label="From" error={form.fieldError("quiet_start")}>
              <Input type="time" value={start} onChange={(e) => setStart(e.target.value)} />
            </Field>
            <Field id="quiet-end" label="Until" error={form.fieldError("quiet_end")}>
              <Input type="time" value={end} onChange={(e) => setEnd(e.target.value)} />
            </Field>
          </div>
          <fieldset className="space-y-1">
            <legend className="text-sm font-medium text-slate-800">Silence during quiet hours</legend>
            <div className="flex flex-wrap gap-x-4 gap-y-1">
              {allowed.map((k) => (
                <label key={k} className="flex items-center gap-2 text-sm text-slate-700">
                  <input
                    type="checkbox"
                    checked={kinds.includes(k)}
                    onChange={(e) => setKinds((ks) => (e.target.checked ? [...ks, k] : ks.filter((x) => x !== k)))}
                  />
                  {kindLabel(k)}
                </label>
              ))}
            </div>
            {form.fieldError("quiet_kinds") ? <p className="text-xs text-red-700">{form.fieldError("quiet_kinds")}</p> : null}
          </fieldset>
          <div className="flex flex-wrap items-center gap-3">
            <Button type="submit" size="sm" disabled={form.busy}>
              Save quiet hours
            </Button>
            {start || end ? (
              <Button
                size="sm"
                variant="ghost"
                onClick={() => {
                  setStart("");
                  setEnd("");
                  void form.submit({ quiet_start: null, quiet_end: null });
                }}
              >
                No quiet hours
              </Button>
            ) : null}
            <Status form={form} testId="quiet-saved" shown={["quiet_start", "quiet_end", "quiet_kinds"]} />
          </div>
        </form>
      </CardContent>
    </Card>
  );
}

const MUTE_CHOICES = [30, 60, 120, 240, 480, 720];

export function MuteAll({ config, now }: { config: AlertConfig; now: number }) {
  const until = config.settings.mute_until;
  const muted = until !== null && Date.parse(until) > now;
  const choices = MUTE_CHOICES.filter((m) => m <= config.max_mute_min);
  const [minutes, setMinutes] = useState(String(choices[1] ?? choices[0]));
  const form = useSettingsForm();
  return (
    <Card>
      <CardHeader>
        <CardTitle>Mute all</CardTitle>
        <CardDescription>
          For at most {config.max_mute_min / 60} hours. Urgent low, urgent low soon and no-data alerts are never muted.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-wrap items-end gap-3">
        {muted ? (
          <>
            <p className="text-sm font-medium text-amber-800" data-testid="muted-until">
              Muted until {formatDateTime(until, config.settings.timezone)}.
            </p>
            <Button size="sm" variant="secondary" onClick={() => void form.submit({ mute_minutes: 0 })} disabled={form.busy}>
              Unmute now
            </Button>
          </>
        ) : (
          <>
            <Field id="mute-minutes" label="Mute for" error={form.fieldError("mute_minutes")}>
              <NativeSelect value={minutes} onChange={(e) => setMinutes(e.target.value)}>
                {choices.map((m) => (
                  <option key={m} value={m}>
                    {m < 60 ? `${m} min` : `${m / 60} h`}
                  </option>
                ))}
              </NativeSelect>
            </Field>
            <Button size="sm" variant="secondary" onClick={() => void form.submit({ mute_minutes: Number(minutes) })} disabled={form.busy}>
              Mute
            </Button>
          </>
        )}
        <Status form={form} testId="mute-saved" shown={muted ? [] : ["mute_minutes"]} />
      </CardContent>
    </Card>
  );
}

export function Channels({ config }: { config: AlertConfig }) {
  const s = config.settings;
  const [email, setEmail] = useState(s.channels.email);
  const [push, setPush] = useState(s.channels.push);
  const [webhook, setWebhook] = useState(s.channels.webhook);
  const [url, setUrl] = useState(s.webhook_url ?? "");
  const form = useSettingsForm();
  return (
    <Card>
      <CardHeader>
        <CardTitle>Where alerts go</CardTitle>
        <CardDescription>Open GlucoLens pages always show alerts live, and the history keeps every one.</CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            void form.submit({ channels: { email, push, webhook }, webhook_url: url.trim() || null });
          }}
        >
          <label className="flex items-center gap-2 text-sm text-slate-800">
            <input type="checkbox" checked={email} onChange={(e) => setEmail(e.target.checked)} data-testid="channel-email" /> Email (to
            your account&apos;s address)
          </label>
          <label className="flex items-center gap-2 text-sm text-slate-800">
            <input type="checkbox" checked={push} onChange={(e) => setPush(e.target.checked)} data-testid="channel-push" /> Browser push
            notifications (on the browsers you enable below)
          </label>
          <label className="flex items-center gap-2 text-sm text-slate-800">
            <input type="checkbox" checked={webhook} onChange={(e) => setWebhook(e.target.checked)} data-testid="channel-webhook" /> Webhook
          </label>
          {webhook || url ? (
            <Field
              id="webhook-url"
              label="Webhook URL"
              hint="GlucoLens POSTs each alert to it as JSON. https://, or http:// to localhost."
              error={form.fieldError("webhook_url") ?? form.fieldError("channels.webhook")}
              className="max-w-xl space-y-1.5"
            >
              <Input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.org/hooks/glucose" />
            </Field>
          ) : null}
          <div className="flex items-center gap-3">
            <Button type="submit" size="sm" disabled={form.busy} data-testid="channels-save">
              Save channels
            </Button>
            <Status form={form} testId="channels-saved" shown={webhook || url ? ["webhook_url", "channels.webhook"] : []} />
          </div>
        </form>
        <PushSetup />
      </CardContent>
    </Card>
  );
}

export function EmergencyContact({ config }: { config: AlertConfig }) {
  const s = config.settings;
  const [name, setName] = useState(s.emergency_contact_name ?? "");
  const [email, setEmail] = useState(s.emergency_contact_email ?? "");
  const form = useSettingsForm();
  return (
    <Card>
      <CardHeader>
        <CardTitle>Emergency contact</CardTitle>
        <CardDescription>
          If an urgent low is not acknowledged within 10 minutes, GlucoLens emails this person. Tell them first, so the email does not
          surprise them.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <form
          className="grid max-w-xl gap-3 sm:grid-cols-2"
          onSubmit={(e) => {
            e.preventDefault();
            void form.submit({ emergency_contact_name: name.trim() || null, emergency_contact_email: email.trim() || null });
          }}
        >
          <Field id="ec-name" label="Name" error={form.fieldError("emergency_contact_name")}>
            <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={120} autoComplete="off" />
          </Field>
          <Field id="ec-email" label="Email" error={form.fieldError("emergency_contact_email")}>
            <Input type="email" value={email} onChange={(e) => setEmail(e.target.value)} maxLength={320} autoComplete="off" />
          </Field>
          <div className="flex items-center gap-3 sm:col-span-2">
            <Button type="submit" size="sm" disabled={form.busy}>
              Save contact
            </Button>
            <Status form={form} testId="contact-saved" shown={["emergency_contact_name", "emergency_contact_email"]} />
          </div>
        </form>
      </CardContent>
    </Card>
  );
}
