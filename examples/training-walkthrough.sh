#!/usr/bin/env bash
# A bad review through every path of the ticket lifecycle, with curl only, against a training server:
#
#   cargo run --release -- serve --demo --demo-clock 2026-10-12T09:00:00+08:00 --data-dir /tmp/hcp-training
#   bash examples/training-walkthrough.sh
#
# Each step prints the API's answer (JSON). Demo users have the password `<role>-demo`.
set -u
B=${HCP_URL:-http://127.0.0.1:8080}/api/v1
H='content-type: application/json'
JARS=$(mktemp -d)
login() { for u in "$@"; do curl -s -c "$JARS/$u" -H "$H" -d "{\"username\":\"$u\",\"password\":\"$u-demo\"}" "$B/session" >/dev/null; done; }
as() { u=$1; shift; curl -s -b "$JARS/$u" -H "$H" "$@"; echo; }
field() { sed -E "s/.*\"$1\":\"?([^\",}]*).*/\1/"; }
step() { printf '\n== %s\n' "$*"; }
USERS="staff window_head supervisor hotline_operator admin"
login $USERS

step "1. A citizen scans window JK-SCJG-01's QR code and gives 不满意 about staff S1002 (receipt: tracking code + password)"
R=$(curl -s -H "$H" -d '{"channel":"qrcode","window_code":"JK-SCJG-01","staff_no":"S1002","level":2,"tags":[214],"comment":"材料没有一次说清","evaluator":{"phone":"13900001111"}}' "$B/evaluations"); echo "$R"
T=$(echo "$R" | field ticket_id); CODE=$(echo "$R" | field tracking_code); PW=$(echo "$R" | field query_password)
step "   The ticket was dispatched at once: appeal_by (2 working days) and feedback_by (7) are on it"
as staff "$B/tickets/$T"

step "2. The staff member applies for review within the window; the feedback clock stops"
as staff -d '{"reason":"mis_evaluation","statement":"该事项不属本窗口受理范围，已引导至综合窗口"}' "$B/tickets/$T/appeal"
step "   The bureau overturns it: the evaluation is not adopted, the department is told"
as supervisor -d '{"outcome":"overturned","reason":"mis_evaluation","explanation":"调取录像核实"}' "$B/tickets/$T/appeal/decision"
step "   The citizen follows it with the tracking code and password"
curl -s -H "X-Query-Password: $PW" "$B/track/$CODE"; echo

step "3. Another bad review: verified as complex, rectified, answered"
R=$(curl -s -H "$H" -d '{"channel":"mobile","window_code":"JK-SCJG-01","staff_no":"S1002","level":1,"tags":[113],"comment":"来回跑了三趟","evaluator":{"phone":"13900002222"}}' "$B/evaluations")
T2=$(echo "$R" | field ticket_id); CODE2=$(echo "$R" | field tracking_code); PW2=$(echo "$R" | field query_password)
as window_head -d '{"classification":"complex","finding":"材料清单与实际要求不一致"}' "$B/tickets/$T2/verify"
step "   Feedback before any measures is refused (409 not_rectified)"
as window_head -d '{"text":"已整改"}' "$B/tickets/$T2/feedback"
as window_head -d '{"measures":"修订一次性告知单"}' "$B/tickets/$T2/rectify"
as window_head -d '{"text":"已修订一次性告知单，今后一次告知到位"}' "$B/tickets/$T2/feedback"
step "   The citizen reads the feedback and is not satisfied: rectification reopens once"
curl -s -H "X-Query-Password: $PW2" "$B/track/$CODE2"; echo
curl -s -H "$H" -H "X-Query-Password: $PW2" -d '{"satisfaction":"unsatisfied","note":"还是不清楚"}' "$B/track/$CODE2/rating"; echo
as window_head -d '{"measures":"增加图示说明"}' "$B/tickets/$T2/rectify"
as window_head -d '{"text":"已增加图示说明"}' "$B/tickets/$T2/feedback"
step "   The 12345 hotline revisits: satisfied, closed"
as hotline_operator -d '{"satisfaction":"satisfied"}' "$B/tickets/$T2/revisit"

step "4. A third: immediate (feedback within 1 working day), then nobody answers"
R=$(curl -s -H "$H" -d '{"channel":"pc","window_code":"JK-SCJG-01","staff_no":"S1002","level":2,"tags":[214],"comment":"态度生硬"}' "$B/evaluations")
T3=$(echo "$R" | field ticket_id)
as window_head -d '{"classification":"immediate","finding":"态度生硬属实"}' "$B/tickets/$T3/verify"
step "   The administrator moves the training clock two days on: the scheduler flags it overdue and escalates"
as admin -d '{"now":"2026-10-14T09:00:00+08:00"}' "$B/demo/clock"
login $USERS   # sessions last 12 hours of (training) time
as supervisor "$B/tickets/$T3"
as supervisor "$B/inbox?per_page=3"

step "5. A hotline complaint naming only a department waits in 'registered' until it is dispatched to a window"
R=$(as hotline_operator -d '{"channel":"phone","department_code":"JK-SCJG","content":"营业执照办理一直没有结果"}' "$B/complaints"); echo "$R"
C=$(echo "$R" | field ticket_id)
as hotline_operator -d '{"window_code":"JK-SCJG-01"}' "$B/tickets/$C/dispatch"

step "6. A misconduct report reaches only the bureau (the staff get 404) and is concluded"
R=$(curl -s -H "$H" -d '{"kind":"coercion","target":{"window_code":"JK-SCJG-01"},"content":"工作人员要求必须点非常满意"}' "$B/misconduct-reports"); echo "$R"
M=$(echo "$R" | field ticket_id)
as staff "$B/tickets/$M"
as supervisor -d '{"outcome":"substantiated","action_taken":"约谈窗口负责人，通报批评"}' "$B/tickets/$M/conclusion"
rm -rf "$JARS"
